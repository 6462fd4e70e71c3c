package armd.heartbeat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;

import org.junit.jupiter.api.Test;

/**
 * The transport contract on real UDP multicast (three namespaces, two heartbeat networks), plus the crash
 * probes: a peer whose agent is gone (socket closed, kernel up) refuses them and is reported as refused, while
 * live peers never are.
 */
class UdpMulticastHeartbeatIT extends HeartbeatTransportContract {
    @Override
    World newWorld() throws Exception {
        return new UdpWorld("hbm", NODES, PATHS, true);
    }

    @Test
    void aPeerWhoseAgentIsGoneRefusesTheCrashProbesOnEveryPath() {
        send(0, 1, 1, "before");
        pollUntil("node 1 hears node 0", () -> nodes[1].got.size() == PATHS);
        assertEquals(0, nodes[0].receiver.stats().refused(0) + nodes[0].receiver.stats().refused(1),
            "no refusal while every agent lives");
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
