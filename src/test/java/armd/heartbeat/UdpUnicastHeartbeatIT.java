package armd.heartbeat;

import org.junit.jupiter.api.Test;

/**
 * The transport contract on real UDP unicast (networks without multicast), plus the refusal of a peer whose
 * agent is gone (socket closed, kernel up).
 */
class UdpUnicastHeartbeatIT extends HeartbeatTransportContract {
    @Override
    World newWorld() throws Exception {
        return new UdpWorld("hbu", NODES, PATHS, false);
    }

    @Test
    void aPeerWhoseAgentIsGoneIsReportedRefusedOnEveryPath() {
        aPeerWhoseAgentIsGoneIsRefusedOnEveryPath();
    }
}
