package armd.heartbeat;

import armd.it.Netns;
import armd.sys.NetNamespace;
import armd.sys.udp.UdpSocket;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Real UDP heartbeat nodes in network namespaces: {@code nodes} namespaces, each with interfaces hb0 and hb1
 * on two bridges (heartbeat networks 192.0.2.0/24 and 198.51.100.0/24, node i at .i+1) inside a switch
 * namespace. Transports are opened on the test thread after setns(2) into each node's namespace. An IPv6 world has
 * the networks 2001:db8:1::/64 and 2001:db8:2::/64 instead (node i at ::i+1, added with nodad: usable at once), its
 * group ff02::a12d.
 */
final class UdpWorld implements HeartbeatTransportContract.World {
    static final int PORT = 9405;
    static final String GROUP = "239.255.77.1";
    private static final String[] NETS = {"192.0.2.", "198.51.100."};

    private final Netns netns;
    private final String[] ns;
    private final boolean multicast;
    private final boolean ipv6;
    private final int paths;
    private final List<HeartbeatTransport> transports = new ArrayList<>();

    UdpWorld(final String tag, final int nodes, final int paths, final boolean multicast) throws Exception {
        this(tag, nodes, paths, multicast, false);
    }

    UdpWorld(final String tag, final int nodes, final int paths, final boolean multicast, final boolean ipv6)
        throws Exception {
        Netns.assumeRoot();
        this.multicast = multicast;
        this.ipv6 = ipv6;
        this.paths = paths;
        netns = new Netns(tag);
        try {
            ns = new String[nodes];
            final String sw = netns.namespace("sw");
            for (int p = 0; p < paths; p++) {
                netns.bridge(sw, "br" + p);
                // no IGMP snooping: without a querier the bridge must simply flood the group
                Netns.run("ip", "-n", sw, "link", "set", "br" + p, "type", "bridge", "mcast_snooping", "0");
            }
            for (int i = 0; i < nodes; i++) {
                ns[i] = netns.namespace("n" + i);
                for (int p = 0; p < paths; p++) {
                    netns.veth(ns[i], "hb" + p, sw, "n" + i + "p" + p);
                    netns.attach(sw, "n" + i + "p" + p, "br" + p);
                    if (ipv6) {
                        netns.exec(ns[i], "ip", "addr", "add", addr(i, p).getHostAddress() + "/64", "dev", "hb" + p,
                            "nodad");
                    } else {
                        netns.address(ns[i], "hb" + p, address(i, p).getHostAddress() + "/24");
                    }
                }
            }
            for (int i = 0; i < nodes; i++) {
                try (NetNamespace.Scope s = NetNamespace.enter(ns[i])) {
                    transports.add(UdpHeartbeatTransport.open(pathsOf(i, nodes),
                        UdpHeartbeatTransport.Options.DEFAULT));
                }
            }
        } catch (Exception | Error e) {
            close();
            throw e;
        }
    }

    static Inet4Address address(final int node, final int path) {
        return inet(NETS[path] + (node + 1));
    }

    /** Node {@code node}'s address on network {@code path}, of this world's family. */
    private InetAddress addr(final int node, final int path) {
        return ipv6 ? InetAddress.ofLiteral("2001:db8:" + (path + 1) + "::" + Integer.toHexString(node + 1))
            : address(node, path);
    }

    private InetAddress group() {
        return ipv6 ? InetAddress.ofLiteral("ff02::a12d") : inet(GROUP);
    }

    static Inet4Address inet(final String text) {
        try {
            return (Inet4Address) InetAddress.getByName(text);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private List<UdpHeartbeatTransport.Path> pathsOf(final int node, final int nodes) {
        final List<UdpHeartbeatTransport.Path> list = new ArrayList<>();
        for (int p = 0; p < paths; p++) {
            final List<UdpHeartbeatTransport.Peer> peers = new ArrayList<>();
            for (int j = 0; j < nodes; j++) {
                if (j != node) {
                    peers.add(new UdpHeartbeatTransport.Peer(j, addr(j, p)));
                }
            }
            if (multicast) {
                list.add(UdpHeartbeatTransport.Path.multicast("hb" + p, addr(node, p), group(), PORT, peers));
            } else {
                list.add(UdpHeartbeatTransport.Path.unicast("hb" + p, addr(node, p), PORT, peers));
            }
        }
        return list;
    }

    String namespace(final int node) {
        return ns[node];
    }

    @Override
    public HeartbeatTransport node(final int i) {
        return transports.get(i);
    }

    @Override
    public void cutInbound(final int node, final int path) throws Exception {
        final String n = ns[node];
        netns.exec(n, "nft", "add", "table", "inet", "armdtest");
        netns.exec(n, "nft", "add", "chain", "inet", "armdtest", "input",
            "{", "type", "filter", "hook", "input", "priority", "0", ";", "policy", "accept", ";", "}");
        netns.exec(n, "nft", "add", "rule", "inet", "armdtest", "input", "iifname", "hb" + path, "drop");
    }

    @Override
    public void inject(final int fromNode, final int path, final byte[] datagram) {
        try (NetNamespace.Scope s = NetNamespace.enter(ns[fromNode]);
             UdpSocket sock = UdpSocket.open("injector", ipv6)) {
            sock.bindToDevice("hb" + path);
            sock.bind(addr(fromNode, path), 0);
            if (multicast) {
                sock.multicastInterface(addr(fromNode, path), 0);
                sock.multicastLoop(false);
                sock.addDestination(group(), PORT);
            } else {
                for (int j = 0; j < ns.length; j++) {
                    if (j != fromNode) {
                        sock.addDestination(addr(j, path), PORT);
                    }
                }
            }
            final ByteBuffer b = ByteBuffer.wrap(datagram);
            for (int d = 0; d < sock.destinationCount(); d++) {
                final int rc = sock.sendTo(d, b, 0, datagram.length);
                if (rc != datagram.length) {
                    throw new IllegalStateException("inject: sendto returned " + rc);
                }
            }
        }
    }

    @Override
    public void injectUnicast(final int fromNode, final int toNode, final int path, final byte[] datagram) {
        try (NetNamespace.Scope s = NetNamespace.enter(ns[fromNode]);
             UdpSocket sock = UdpSocket.open("unicast injector", ipv6)) {
            sock.addDestination(addr(toNode, path), PORT);
            final int rc = sock.sendTo(0, ByteBuffer.wrap(datagram), 0, datagram.length);
            if (rc != datagram.length) {
                throw new IllegalStateException("injectUnicast: sendto returned " + rc);
            }
        }
    }

    @Override
    public void close() {
        for (final HeartbeatTransport t : transports) {
            t.close();
        }
        netns.close();
    }
}
