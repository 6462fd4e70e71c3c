package armd.heartbeat;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;

import org.junit.jupiter.api.Test;

/**
 * The transport contract on real UDP unicast (networks without multicast), plus what only unicast gives:
 * a peer whose agent is gone (socket closed, kernel up) is reported as refused.
 */
class UdpUnicastHeartbeatIT extends HeartbeatTransportContract {
    @Override
    World newWorld() throws Exception {
        return new UdpWorld("hbu", NODES, PATHS, false);
    }

    @Test
    void aPeerWhoseAgentIsGoneIsReportedRefusedOnEveryPath() {
        send(0, 1, 1, "before");
        pollUntil("node 1 hears node 0", () -> nodes[1].got.size() == PATHS);
        // kill -9 of node 1's agent, as its kernel sees it: the heartbeat sockets close
        world.node(1).close();
        final long[] seq = {2};
        pollUntil("node 0 sees node 1 refuse on both paths", () -> {
            world.node(0).send(ByteBuffer.wrap(encode(0, 1, seq[0]++, "after")));
            final HeartbeatStats s = nodes[0].receiver.stats();
            return s.refused(0) > 0 && s.refused(1) > 0;
        });
        assertTrue(nodes[0].refused.stream().allMatch(id -> id == 1), "only node 1 refused: " + nodes[0].refused);
    }
}
