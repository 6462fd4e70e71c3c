package armd.heartbeat;

/** The transport contract on the in-memory hub. */
class InMemoryHeartbeatTransportTest extends HeartbeatTransportContract {
    @Override
    World newWorld() {
        final InMemoryHeartbeatTransport.Hub hub = new InMemoryHeartbeatTransport.Hub(NODES, PATHS);
        return new World() {
            @Override
            public HeartbeatTransport node(final int i) {
                return hub.endpoint(i);
            }

            @Override
            public void cutInbound(final int node, final int path) {
                hub.cutInbound(node, path, true);
            }

            @Override
            public void inject(final int fromNode, final int path, final byte[] datagram) {
                hub.inject(fromNode, path, datagram);
            }

            @Override
            public void close() {
                for (int i = 0; i < NODES; i++) {
                    hub.endpoint(i).close();
                }
            }
        };
    }
}
