package armd.heartbeat;

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
        aPeerWhoseAgentIsGoneIsRefusedOnEveryPath();
    }
}
