package armd.sim;

import armd.config.ClusterConfig;

import java.net.InetAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Cluster configurations for simulations: the guide's setups. */
public final class SimConfigs {
    private SimConfigs() {
    }

    /**
     * {@code servers} servers named server1..N; groups A (server1, server2, ...), B (server2, server1, ...)
     * and C (server1, server2, ...), as in docs/behaviour.md#two-servers and #three-servers.
     */
    public static ClusterConfig guide(final int servers, final boolean autoReturn) {
        return guide(servers, autoReturn, false);
    }

    /**
     * The guide's setup; with {@code addresses}, groups A and C each have a floating IP (so a takeover first
     * asks whether the address still answers), B has none.
     */
    public static ClusterConfig guide(final int servers, final boolean autoReturn, final boolean addresses) {
        final List<ClusterConfig.Server> ss = new ArrayList<>();
        for (int i = 0; i < servers; i++) {
            ss.add(new ClusterConfig.Server(i, "server" + (i + 1), List.of(InetAddress.getLoopbackAddress())));
        }
        final List<Integer> forward = new ArrayList<>();
        for (int i = 0; i < servers; i++) {
            forward.add(i);
        }
        final List<Integer> b = new ArrayList<>(forward);
        b.set(0, 1);
        b.set(1, 0);
        final List<ClusterConfig.Group> gs = List.of(
            group(0, "A", forward, addresses ? ip("A-ip", 100) : null), group(1, "B", b, null),
            group(2, "C", forward, addresses ? ip("C-ip", 102) : null));
        return new ClusterConfig(Path.of("sim.conf"), "sim", Path.of("sim.key"),
            new ClusterConfig.Heartbeat(7000, null, 10, 100), autoReturn, 2000, Path.of("state"),
            Path.of("armd.sock"), ss, gs);
    }

    private static ClusterConfig.Group group(final int id, final String name, final List<Integer> policy,
                                             final ClusterConfig.FloatingIp ip) {
        return new ClusterConfig.Group(id, name, List.copyOf(policy), Path.of(name + "/start.sh"),
            Path.of(name + "/stop.sh"), 60_000, ip == null ? List.of() : List.of(ip));
    }

    private static ClusterConfig.FloatingIp ip(final String name, final int last) {
        try {
            return new ClusterConfig.FloatingIp(name, (java.net.Inet4Address) InetAddress.getByAddress(
                new byte[] {(byte) 192, 0, 2, (byte) last}), 24, "eth0", 5, 30_000, false, ClusterConfig.Arp.DEFAULT);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
