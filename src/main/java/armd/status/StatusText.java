package armd.status;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The text of armstat and {@code armd status}: servers, groups and what this server did, for a terminal. */
public final class StatusText {
    private static final DateTimeFormatter TIME =
        DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);

    private StatusText() {
    }

    /** The status as text, one line per server, path, group, resource, monitor and transition. */
    public static String render(final ClusterStatus s) {
        final StringBuilder sb = new StringBuilder();
        sb.append("cluster ").append(s.cluster()).append(" (seen from ").append(s.server()).append(")\n");
        if (s.superCluster() != null) {
            final ClusterStatus.SuperCluster x = s.superCluster();
            sb.append("super cluster ").append(x.name()).append(" (master cluster ").append(x.master())
                .append("): management server ").append(x.holder() == null ? "none known" : x.holder())
                .append(x.holder() == null ? "" : x.accepting() ? " (accepting changes)" : " (serving copies only)")
                .append(x.note() == null ? "" : "; " + x.note()).append("; configuration version ")
                .append(x.version() == 0 ? "0 (the local file)" : String.valueOf(x.version())).append('\n');
        }
        sb.append("servers:\n");
        for (final ClusterStatus.Server v : s.servers()) {
            sb.append(String.format("  %-16s %s%n", v.name(), v.state().toUpperCase(Locale.ROOT)));
            for (final ClusterStatus.Path p : v.paths()) {
                sb.append(String.format("      path %d %-15s received %d, lost %d, late %d, %s%n", p.index(),
                    p.address(), p.received(), p.lost(), p.late(), p.lastHeardMsAgo() < 0 ? "never heard"
                        : "last heard " + p.lastHeardMsAgo() + " ms ago"));
            }
        }
        sb.append("groups:\n");
        final List<String> counted = new ArrayList<>();
        for (final ClusterStatus.Group g : s.groups()) {
            sb.append(String.format("  %-16s %-8s %s%s%n", g.name(), g.state(), where(g),
                g.note() == null ? "" : " (" + g.note() + ")"));
            for (final ClusterStatus.Resource r : g.resources()) {
                sb.append(String.format("      resource %-16s %-5s %s%n", r.name(), r.type(), r.state()));
            }
            for (final ClusterStatus.Monitor m : g.monitors()) {
                sb.append(String.format("      monitor  %-16s %-5s %s%n", m.name(), m.type(), m.state()));
            }
            if (g.monitorFailovers() > 0) {
                counted.add(g.name() + " " + g.monitorFailovers() + "/" + g.maxFailovers());
            }
        }
        if (!counted.isEmpty()) {
            sb.append("monitor failovers from ").append(s.server()).append(": ").append(String.join(", ", counted))
                .append('\n');
        }
        if (!s.transitions().isEmpty()) {
            sb.append("last transitions on ").append(s.server()).append(" (UTC):\n");
            for (final ClusterStatus.Transition t : s.transitions()) {
                sb.append("  ").append(TIME.format(Instant.ofEpochMilli(t.atMs()))).append(' ')
                    .append(String.format("%-8s %-5s ", t.group(), t.script()))
                    .append(String.join(" ", t.arms().entrySet().stream()
                        .map(e -> e.getKey() + "=" + e.getValue()).toList()))
                    .append(": ").append(result(t)).append('\n');
            }
        }
        return sb.toString();
    }

    /** "on SERVER", "to SERVER" (wanted there, not online yet) or "-". */
    static String where(final ClusterStatus.Group g) {
        if (g.runningOn() != null) {
            return "on " + g.runningOn();
        }
        return g.wanted() && g.owner() != null ? "to " + g.owner() : "-";
    }

    /** "ok (12 ms)", "failed (exit 3, 40 ms)", "running". */
    static String result(final ClusterStatus.Transition t) {
        if (t.durationMs() < 0) {
            return t.result();
        }
        return t.result() + " (" + (t.exitCode() >= 0 ? "exit " + t.exitCode() + ", " : "") + t.durationMs()
            + " ms)";
    }
}
