package armd.status;

import armd.base.Json;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** armstat --json: the whole status as one JSON object (one line). */
public final class StatusJson {
    private StatusJson() {
    }

    /** The status as one JSON object. */
    public static String render(final ClusterStatus s) {
        final List<String> servers = new ArrayList<>();
        for (final ClusterStatus.Server v : s.servers()) {
            final List<String> paths = new ArrayList<>();
            for (final ClusterStatus.Path p : v.paths()) {
                paths.add(new Json().put("path", p.index()).put("address", p.address()).put("received", p.received())
                    .put("lost", p.lost()).put("late", p.late()).put("last_heard_ms_ago", p.lastHeardMsAgo())
                    .toString());
            }
            servers.add(new Json().put("name", v.name()).put("state", v.state()).put("self", v.self())
                .putRaw("paths", Json.array(paths)).toString());
        }
        final List<String> groups = new ArrayList<>();
        for (final ClusterStatus.Group g : s.groups()) {
            final List<String> resources = new ArrayList<>();
            for (final ClusterStatus.Resource r : g.resources()) {
                resources.add(new Json().put("name", r.name()).put("type", r.type()).put("state", r.state())
                    .toString());
            }
            final List<String> monitors = new ArrayList<>();
            for (final ClusterStatus.Monitor m : g.monitors()) {
                monitors.add(new Json().put("name", m.name()).put("type", m.type()).put("state", m.state())
                    .toString());
            }
            groups.add(new Json().put("name", g.name()).put("state", g.state()).put("server", g.runningOn())
                .put("owner", g.owner()).put("note", g.note()).put("failovers_here", g.failoversHere())
                .put("monitor_failovers", g.monitorFailovers()).put("max_failovers", g.maxFailovers())
                .putRaw("resources", Json.array(resources)).putRaw("monitors", Json.array(monitors)).toString());
        }
        final List<String> transitions = new ArrayList<>();
        for (final ClusterStatus.Transition t : s.transitions()) {
            final Json arms = new Json();
            for (final Map.Entry<String, String> e : t.arms().entrySet()) {
                arms.put(e.getKey(), e.getValue());
            }
            transitions.add(new Json().put("at_ms", t.atMs()).put("group", t.group()).put("script", t.script())
                .putRaw("arms", arms.toString()).put("result", t.result()).put("exit_code", t.exitCode())
                .put("duration_ms", t.durationMs()).toString());
        }
        final List<String> detections = new ArrayList<>();
        for (final ClusterStatus.Detection d : s.detections()) {
            detections.add(new Json().put("server", d.server()).put("at_ms", d.atMs()).put("latency_ms", d.latencyMs())
                .toString());
        }
        final Json out = new Json().put("cluster", s.cluster()).put("server", s.server()).put("state", s.state())
            .put("taken_at_ms", s.takenAtMs()).putRaw("servers", Json.array(servers))
            .putRaw("groups", Json.array(groups)).putRaw("transitions", Json.array(transitions))
            .putRaw("detections", Json.array(detections));
        if (s.heartbeats() != null) {
            final ClusterStatus.Heartbeats h = s.heartbeats();
            final Json dropped = new Json();
            for (final Map.Entry<String, Long> e : h.dropped().entrySet()) {
                dropped.put(e.getKey(), e.getValue());
            }
            out.putRaw("heartbeats", new Json().put("accepted", h.accepted()).putRaw("dropped", dropped.toString())
                .put("kernel_dropped", h.kernelDropped()).put("receive_errors", h.receiveErrors())
                .put("send_errors", h.sendErrors()).toString());
        }
        if (s.superCluster() != null) {
            final ClusterStatus.SuperCluster x = s.superCluster();
            out.putRaw("super_cluster", new Json().put("name", x.name()).put("master", x.master())
                .put("holder", x.holder()).put("accepting", x.accepting()).put("note", x.note())
                .put("version", x.version()).toString());
        }
        return out.toString();
    }
}
