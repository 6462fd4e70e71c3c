package armd.heartbeat;

import org.junit.jupiter.api.Test;

/**
 * The transport contract on real UDP over IPv6 unicast (three namespaces, two heartbeat networks in 2001:db8::/32),
 * plus the refusal of a peer whose agent is gone (ICMPv6 port unreachable while its kernel lives).
 */
class UdpIpv6HeartbeatIT extends HeartbeatTransportContract {
    @Override
    World newWorld() throws Exception {
        return new UdpWorld("hb6", NODES, PATHS, false, true);
    }

    @Test
    void aPeerWhoseAgentIsGoneIsReportedRefusedOnEveryPath() {
        aPeerWhoseAgentIsGoneIsRefusedOnEveryPath();
    }
}
