package armd.status;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * The status page: server-rendered HTML that reloads itself every few seconds (a meta refresh, no script), with
 * the servers and their heartbeat paths, the groups with their resources and monitors, and the last transitions.
 */
public final class StatusPage {
    /** Seconds between two reloads of the page. */
    public static final int REFRESH_SECONDS = 2;
    private static final DateTimeFormatter TIME =
        DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'").withZone(ZoneOffset.UTC);
    private static final String STYLE = """
        body{font-family:system-ui,sans-serif;margin:1.5em;color:#222;background:#fafafa}
        h1{font-size:1.4em;margin:0 0 .2em}h2{font-size:1.1em;margin:1.4em 0 .4em}
        table{border-collapse:collapse;background:#fff}th,td{border:1px solid #ccc;padding:.25em .6em;text-align:left}
        th{background:#eee}td.n{text-align:right}.ok{color:#176b1c;font-weight:bold}
        .bad{color:#b00020;font-weight:bold}.mid{color:#8a5a00;font-weight:bold}.sub{color:#555;font-size:.9em}
        """;

    private StatusPage() {
    }

    /** The page for {@code s}. */
    public static String render(final ClusterStatus s) {
        final StringBuilder sb = new StringBuilder(8192);
        sb.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
            .append("<meta http-equiv=\"refresh\" content=\"").append(REFRESH_SECONDS).append("\">")
            .append("<title>armd ").append(h(s.cluster())).append(" - ").append(h(s.server())).append("</title>")
            .append("<style>").append(STYLE).append("</style></head><body>\n");
        sb.append("<h1>Cluster <span id=\"cluster\">").append(h(s.cluster())).append("</span></h1>")
            .append("<div class=\"sub\">seen from <b id=\"self\">").append(h(s.server())).append("</b> (")
            .append(state(s.state())).append("), ").append(TIME.format(Instant.ofEpochMilli(s.takenAtMs())))
            .append("; this page reloads every ").append(REFRESH_SECONDS).append(" s</div>\n");

        sb.append("<h2>Servers</h2>\n<table id=\"servers\"><tr><th>server</th><th>state</th><th>path</th>")
            .append("<th>address</th><th>received</th><th>lost</th><th>late</th><th>last heard</th></tr>\n");
        for (final ClusterStatus.Server v : s.servers()) {
            final int rows = Math.max(1, v.paths().size());
            sb.append("<tr class=\"server\" data-name=\"").append(h(v.name())).append("\"><td rowspan=\"")
                .append(rows).append("\">").append(h(v.name())).append(v.self() ? " (this server)" : "")
                .append("</td><td rowspan=\"").append(rows).append("\">").append(state(v.state())).append("</td>");
            if (v.paths().isEmpty()) {
                sb.append("<td colspan=\"6\" class=\"sub\">").append(v.self() ? "sends heartbeats" : "no path")
                    .append("</td></tr>\n");
                continue;
            }
            boolean first = true;
            for (final ClusterStatus.Path p : v.paths()) {
                if (!first) {
                    sb.append("<tr>");
                }
                first = false;
                sb.append("<td class=\"n\">").append(p.index()).append("</td><td>").append(h(p.address()))
                    .append("</td><td class=\"n\">").append(p.received()).append("</td><td class=\"n\">")
                    .append(p.lost()).append("</td><td class=\"n\">").append(p.late()).append("</td><td>")
                    .append(p.lastHeardMsAgo() < 0 ? "never" : p.lastHeardMsAgo() + " ms ago").append("</td></tr>\n");
            }
        }
        sb.append("</table>\n");

        sb.append("<h2>Groups</h2>\n<table id=\"groups\"><tr><th>group</th><th>state</th><th>where</th>")
            .append("<th>resources</th><th>monitors</th><th>failovers here</th><th>monitor failovers</th></tr>\n");
        for (final ClusterStatus.Group g : s.groups()) {
            sb.append("<tr class=\"group\" data-name=\"").append(h(g.name())).append("\"><td>").append(h(g.name()))
                .append("</td><td>").append(state(g.state())).append("</td><td>").append(h(StatusText.where(g)))
                .append(g.note() == null ? "" : "<br><span class=\"sub\">" + h(g.note()) + "</span>")
                .append("</td><td>");
            for (final ClusterStatus.Resource r : g.resources()) {
                sb.append(h(r.name())).append(" <span class=\"sub\">").append(h(r.type())).append("</span> ")
                    .append(state(r.state())).append("<br>");
            }
            sb.append("</td><td>");
            for (final ClusterStatus.Monitor m : g.monitors()) {
                sb.append(h(m.name())).append(" <span class=\"sub\">").append(h(m.type())).append("</span> ")
                    .append(state(m.state())).append("<br>");
            }
            sb.append("</td><td class=\"n\">").append(g.failoversHere()).append("</td><td class=\"n\">")
                .append(g.monitorFailovers()).append(" / ").append(g.maxFailovers()).append("</td></tr>\n");
        }
        sb.append("</table>\n");

        sb.append("<h2>Last transitions on ").append(h(s.server())).append("</h2>\n");
        if (s.transitions().isEmpty()) {
            sb.append("<p class=\"sub\">no script has run here since the agent started</p>\n");
        } else {
            sb.append("<table id=\"transitions\"><tr><th>time</th><th>group</th><th>script</th><th>ARMS_*</th>")
                .append("<th>result</th></tr>\n");
            for (int i = s.transitions().size() - 1; i >= 0; i--) {
                final ClusterStatus.Transition t = s.transitions().get(i);
                sb.append("<tr><td>").append(TIME.format(Instant.ofEpochMilli(t.atMs()))).append("</td><td>")
                    .append(h(t.group())).append("</td><td>").append(h(t.script())).append("</td><td>")
                    .append(h(String.join(" ", t.arms().entrySet().stream()
                        .map(e -> e.getKey() + "=" + e.getValue()).toList())))
                    .append("</td><td>").append(state(t.result())).append(' ')
                    .append(h(StatusText.result(t).substring(t.result().length()))).append("</td></tr>\n");
            }
            sb.append("</table>\n");
        }
        sb.append("<p class=\"sub\"><a href=\"/metrics\">metrics</a> &middot; <a href=\"/status.json\">JSON</a></p>")
            .append("\n</body></html>\n");
        return sb.toString();
    }

    /** A state word, coloured: good green, bad red, in between amber. */
    private static String state(final String s) {
        final String cls = switch (s.toLowerCase(Locale.ROOT)) {
            case "normal", "online", "up", "watching", "ok" -> "ok";
            case "down", "failed", "unusable", "timeout", "refused", "isolated", "not started" -> "bad";
            default -> "mid";
        };
        return "<span class=\"" + cls + "\">" + h(s) + "</span>";
    }

    /** HTML-escaped text. */
    static String h(final String s) {
        if (s == null) {
            return "-";
        }
        final StringBuilder sb = new StringBuilder(s.length() + 8);
        for (int i = 0; i < s.length(); i++) {
            final char c = s.charAt(i);
            switch (c) {
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '&' -> sb.append("&amp;");
                case '"' -> sb.append("&quot;");
                case '\'' -> sb.append("&#39;");
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }
}
