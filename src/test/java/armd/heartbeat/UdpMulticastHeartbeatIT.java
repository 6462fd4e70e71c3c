package armd.heartbeat;

/** The transport contract on real UDP multicast: three namespaces, two heartbeat networks. */
class UdpMulticastHeartbeatIT extends HeartbeatTransportContract {
    @Override
    World newWorld() throws Exception {
        return new UdpWorld("hbm", NODES, PATHS, true);
    }
}
