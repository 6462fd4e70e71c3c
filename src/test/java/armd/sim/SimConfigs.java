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
     * and C (server1, server2, ...), as in SPEC.md 4.1 and 4.2.
     */
    public static ClusterConfig guide(final int servers, final boolean autoReturn) {
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
            group(0, "A", forward), group(1, "B", b), group(2, "C", forward));
        return new ClusterConfig(Path.of("sim.conf"), "sim", Path.of("sim.key"),
            new ClusterConfig.Heartbeat(7000, null, 10, 100), autoReturn, 2000, Path.of("state"),
            Path.of("armd.sock"), ss, gs);
    }

    private static ClusterConfig.Group group(final int id, final String name, final List<Integer> policy) {
        return new ClusterConfig.Group(id, name, List.copyOf(policy), Path.of(name + "/start.sh"),
            Path.of(name + "/stop.sh"), 60_000);
    }
}
