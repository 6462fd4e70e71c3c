package armd.heartbeat;

import org.junit.jupiter.api.Test;

/**
 * The transport contract on real UDP multicast over IPv6 (group ff02::a12d joined on each path's interface, three
 * namespaces, two heartbeat networks), plus the crash probes to the peers' unicast addresses.
 */
class UdpIpv6MulticastHeartbeatIT extends HeartbeatTransportContract {
    @Override
    World newWorld() throws Exception {
        return new UdpWorld("hb6m", NODES, PATHS, true, true);
    }

    @Test
    void aPeerWhoseAgentIsGoneRefusesTheCrashProbesOnEveryPath() {
        aPeerWhoseAgentIsGoneIsRefusedOnEveryPath();
    }
}
