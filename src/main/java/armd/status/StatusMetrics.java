package armd.status;

import java.util.Map;

import java.util.Locale;

/**
 * /metrics: the status in the Prometheus text exposition format (version 0.0.4). Counters count since the agent
 * started; states are gauges with the state as a label (1 for the current one).
 */
public final class StatusMetrics {
    /** The Content-Type of the format. */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private StatusMetrics() {
    }

    /** The status as Prometheus metrics. */
    public static String render(final ClusterStatus s) {
        final StringBuilder sb = new StringBuilder(4096);
        final String self = "server=\"" + label(s.server()) + "\"";
        head(sb, "armd_info", "gauge", "the agent: its cluster, server and state");
        sb.append("armd_info{cluster=\"").append(label(s.cluster())).append("\",").append(self).append(",state=\"")
            .append(label(s.state())).append("\"} 1\n");
        head(sb, "armd_server_up", "gauge", "1 when the server is a normal member as this agent sees it");
        for (final ClusterStatus.Server v : s.servers()) {
            sb.append("armd_server_up{").append(self).append(",peer=\"").append(label(v.name())).append("\",state=\"")
                .append(label(v.state())).append("\"} ").append(v.state().equals("normal") ? 1 : 0).append('\n');
        }
        pathMetric(sb, s, "armd_heartbeat_received_total", "counter", "heartbeats accepted from the peer on the path",
            0);
        pathMetric(sb, s, "armd_heartbeat_lost_total", "counter",
            "heartbeats of the peer missing on the path (sequence gaps)", 1);
        pathMetric(sb, s, "armd_heartbeat_late_total", "counter",
            "heartbeats that came more than twice the interval after the one before", 2);
        pathMetric(sb, s, "armd_heartbeat_last_heard_seconds", "gauge",
            "time since the peer was last heard on the path (-1: never)", 3);
        head(sb, "armd_detection_latency_seconds", "gauge",
            "how long the peer had been silent when this agent declared it down (the last time)");
        for (final ClusterStatus.Detection d : s.detections()) {
            sb.append("armd_detection_latency_seconds{").append(self).append(",peer=\"").append(label(d.server()))
                .append("\"} ").append(seconds(d.latencyMs())).append('\n');
        }
        head(sb, "armd_group_online", "gauge", "1 when the group is online on this agent's server");
        for (final ClusterStatus.Group g : s.groups()) {
            sb.append("armd_group_online{").append(self).append(",group=\"").append(label(g.name()))
                .append("\",state=\"").append(label(g.state())).append("\"} ")
                .append(s.server().equals(g.runningOn()) ? 1 : 0).append('\n');
        }
        head(sb, "armd_group_failovers_total", "counter", "FAILOVER starts of the group on this server");
        for (final ClusterStatus.Group g : s.groups()) {
            sb.append("armd_group_failovers_total{").append(self).append(",group=\"").append(label(g.name()))
                .append("\"} ").append(g.failoversHere()).append('\n');
        }
        head(sb, "armd_group_monitor_failovers", "gauge",
            "failovers caused by this server's monitors, against the limit max-failovers");
        for (final ClusterStatus.Group g : s.groups()) {
            sb.append("armd_group_monitor_failovers{").append(self).append(",group=\"").append(label(g.name()))
                .append("\",max=\"").append(g.maxFailovers()).append("\"} ").append(g.monitorFailovers()).append('\n');
        }
        head(sb, "armd_resource_up", "gauge", "1 when the resource is up on this server");
        for (final ClusterStatus.Group g : s.groups()) {
            for (final ClusterStatus.Resource r : g.resources()) {
                sb.append("armd_resource_up{").append(self).append(",group=\"").append(label(g.name()))
                    .append("\",resource=\"").append(label(r.name())).append("\",type=\"").append(label(r.type()))
                    .append("\",state=\"").append(label(r.state())).append("\"} ")
                    .append(r.state().equals("up") ? 1 : 0).append('\n');
            }
        }
        head(sb, "armd_monitor_ok", "gauge", "1 when the monitor watches and its resource is normal");
        for (final ClusterStatus.Group g : s.groups()) {
            for (final ClusterStatus.Monitor m : g.monitors()) {
                sb.append("armd_monitor_ok{").append(self).append(",group=\"").append(label(g.name()))
                    .append("\",monitor=\"").append(label(m.name())).append("\",type=\"").append(label(m.type()))
                    .append("\",state=\"").append(label(m.state())).append("\"} ")
                    .append(m.state().equals("watching") ? 1 : 0).append('\n');
            }
        }
        if (s.heartbeats() != null) {
            final ClusterStatus.Heartbeats h = s.heartbeats();
            head(sb, "armd_heartbeats_accepted_total", "counter", "authentic heartbeat frames taken");
            sb.append("armd_heartbeats_accepted_total{").append(self).append("} ").append(h.accepted()).append('\n');
            head(sb, "armd_heartbeats_dropped_total", "counter", "heartbeat frames refused, by reason");
            for (final Map.Entry<String, Long> e : h.dropped().entrySet()) {
                sb.append("armd_heartbeats_dropped_total{").append(self).append(",reason=\"").append(label(e.getKey()))
                    .append("\"} ").append(e.getValue()).append('\n');
            }
            sb.append("armd_heartbeats_dropped_total{").append(self).append(",reason=\"kernel\"} ")
                .append(h.kernelDropped()).append('\n');
            head(sb, "armd_heartbeat_errors_total", "counter", "failed heartbeat receives and sends");
            sb.append("armd_heartbeat_errors_total{").append(self).append(",direction=\"receive\"} ")
                .append(h.receiveErrors()).append('\n');
            sb.append("armd_heartbeat_errors_total{").append(self).append(",direction=\"send\"} ")
                .append(h.sendErrors()).append('\n');
        }
        head(sb, "armd_script_runs_total", "counter", "finished runs of the group's script on this server");
        scripts(sb, s, self, "armd_script_runs_total", 0);
        head(sb, "armd_script_failures_total", "counter", "runs that did not succeed (exit code, timeout, refused)");
        scripts(sb, s, self, "armd_script_failures_total", 1);
        head(sb, "armd_script_duration_seconds_total", "counter", "the runs' summed duration");
        scripts(sb, s, self, "armd_script_duration_seconds_total", 2);
        head(sb, "armd_script_last_exit_code", "gauge", "the exit code of the last run (-1: none, or not exited)");
        scripts(sb, s, self, "armd_script_last_exit_code", 3);
        return sb.toString();
    }

    private static void pathMetric(final StringBuilder sb, final ClusterStatus s, final String name, final String type,
                                   final String help, final int which) {
        head(sb, name, type, help);
        for (final ClusterStatus.Server v : s.servers()) {
            for (final ClusterStatus.Path p : v.paths()) {
                sb.append(name).append("{server=\"").append(label(s.server())).append("\",peer=\"")
                    .append(label(v.name())).append("\",path=\"").append(p.index()).append("\",address=\"")
                    .append(label(p.address())).append("\"} ").append(switch (which) {
                        case 0 -> Long.toString(p.received());
                        case 1 -> Long.toString(p.lost());
                        case 2 -> Long.toString(p.late());
                        default -> p.lastHeardMsAgo() < 0 ? "-1" : seconds(p.lastHeardMsAgo());
                    }).append('\n');
            }
        }
    }

    private static void scripts(final StringBuilder sb, final ClusterStatus s, final String self, final String name,
                                final int which) {
        for (final ClusterStatus.ScriptStats x : s.scripts()) {
            sb.append(name).append('{').append(self).append(",group=\"").append(label(x.group()))
                .append("\",script=\"").append(label(x.script())).append("\"} ").append(switch (which) {
                    case 0 -> Long.toString(x.runs());
                    case 1 -> Long.toString(x.failures());
                    case 2 -> seconds(x.totalMs());
                    default -> Integer.toString(x.lastExitCode());
                }).append('\n');
        }
    }

    private static void head(final StringBuilder sb, final String name, final String type, final String help) {
        sb.append("# HELP ").append(name).append(' ').append(help).append('\n');
        sb.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    private static String seconds(final long ms) {
        return String.format(Locale.ROOT, "%.3f", ms / 1000.0);
    }

    /** A label value as the format wants it: backslash, double quote and newline escaped. */
    static String label(final String v) {
        if (v == null) {
            return "";
        }
        final StringBuilder sb = new StringBuilder(v.length());
        for (int i = 0; i < v.length(); i++) {
            final char c = v.charAt(i);
            switch (c) {
                case '\\' -> sb.append("\\\\");
                case '"' -> sb.append("\\\"");
                case '\n' -> sb.append("\\n");
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }
}
