package armd.agent;

import armd.config.ClusterConfig;
import armd.config.MonitorConfig;
import armd.status.ClusterStatus;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * Completes the agent's own status with what the other parts know: each peer's heartbeat paths (from the link),
 * the groups' resources and monitors (their states from the launcher and the monitor engine), the transitions and
 * script counts. Runs on the agent thread (the path counters live there).
 */
public final class StatusDetails implements UnaryOperator<ClusterStatus> {
    private final ClusterConfig config;
    private final PathStats paths;
    private final TransitionLog transitions;
    private final Function<String, String> resourceState;
    private final Function<String, String> monitorState;
    private DetectionRecorder detections;

    /** Details from {@code paths} (null: none), {@code transitions} and the two state functions (by name). */
    public StatusDetails(final ClusterConfig config, final PathStats paths, final TransitionLog transitions,
                         final Function<String, String> resourceState, final Function<String, String> monitorState) {
        this.config = config;
        this.paths = paths;
        this.transitions = transitions;
        this.resourceState = resourceState;
        this.monitorState = monitorState;
    }

    private java.util.function.Supplier<ClusterStatus.SuperCluster> superCluster;

    /** Adds the super cluster part from {@code source} (called off the agent thread, on each status). */
    public StatusDetails withSuperCluster(final java.util.function.Supplier<ClusterStatus.SuperCluster> source) {
        this.superCluster = source;
        return this;
    }

    /** Adds {@code recorder}'s detection latencies to the status. */
    public StatusDetails withDetections(final DetectionRecorder recorder) {
        this.detections = recorder;
        return this;
    }

    @Override
    public ClusterStatus apply(final ClusterStatus s) {
        final long now = System.nanoTime();
        final List<ClusterStatus.Server> servers = new ArrayList<>();
        for (int i = 0; i < s.servers().size(); i++) {
            final ClusterStatus.Server v = s.servers().get(i);
            final List<ClusterStatus.Path> ps = new ArrayList<>();
            if (!v.self() && paths != null) {
                final List<java.net.InetAddress> addresses = config.servers().get(i).addresses();
                for (int p = 0; p < Math.min(paths.paths(), addresses.size()); p++) {
                    ps.add(new ClusterStatus.Path(p, armd.wire.RtnlAddr.text(addresses.get(p)), paths.received(i, p),
                        paths.lost(i, p), paths.late(i, p), paths.lastHeardMsAgo(i, p, now)));
                }
            }
            servers.add(new ClusterStatus.Server(v.name(), v.state(), v.self(), ps));
        }
        final List<ClusterStatus.Group> groups = new ArrayList<>();
        for (int g = 0; g < s.groups().size(); g++) {
            final ClusterStatus.Group x = s.groups().get(g);
            final List<ClusterStatus.Resource> resources = new ArrayList<>();
            for (final ClusterConfig.Resource r : config.groups().get(g).resources()) {
                resources.add(new ClusterStatus.Resource(r.name(), switch (r) {
                    case ClusterConfig.FloatingIp f -> "ip";
                    case ClusterConfig.Disk d -> "disk";
                    case ClusterConfig.Nfs n -> "nfs";
                }, resourceState.apply(r.name())));
            }
            final List<ClusterStatus.Monitor> monitors = new ArrayList<>();
            for (final MonitorConfig m : config.monitorsOf(g)) {
                monitors.add(new ClusterStatus.Monitor(m.name(), m.type(), monitorState.apply(m.name())));
            }
            groups.add(new ClusterStatus.Group(x.name(), x.state(), x.runningOn(), x.owner(), x.wanted(),
                transitions.failoversHere(x.name()), x.monitorFailovers(), x.maxFailovers(), resources, monitors,
                x.note()));
        }
        return new ClusterStatus(s.cluster(), s.server(), s.state(), s.takenAtMs(), servers, groups,
            transitions.transitions(), transitions.scripts(), detections == null ? s.detections()
            : detections.detections(), s.heartbeats(), superCluster == null ? null : superCluster.get());
    }
}
