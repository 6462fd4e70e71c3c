package armd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/**
 * The agent's status page as a browser shows it: a real two-agent cluster in network namespaces, headless
 * Chromium inside server1's namespace loading http://127.0.0.1:7406/ (the DOM after load, and a screenshot kept
 * as target/status-page.png), and /metrics and /status.json over the same server.
 */
class StatusPageIT {
    private static final int T = 90;
    private static final String URL = "http://127.0.0.1:7406/";

    @Test
    void theStatusPageShowsTheServersAndGroupsOfARealCluster() throws Exception {
        Netns.assumeRoot();
        final Path chromium = Path.of("/usr/bin/chromium");
        if (!Files.isExecutable(chromium)) {
            throw new AssertionError("no /usr/bin/chromium: apt-get install chromium chromium-driver (scripts/setup "
                + "does)");
        }
        try (AgentCluster c = new AgentCluster("pg", 2, false)) {
            c.startAll();
            c.await(() -> c.onlineOn(1, "A").equals("server1") && c.onlineOn(0, "B").equals("server2")
                && c.onlineOn(1, "C").equals("server1"), T, "A, C on server1 and B on server2");
            final String ns = c.namespace(0);

            final Path profile = Files.createTempDirectory(c.dir(), "chromium-");
            final String dom = browser(ns, profile, "--dump-dom", URL);
            assertTrue(dom.contains("<span id=\"cluster\">it</span>"), dom);
            assertTrue(dom.contains("<b id=\"self\">server1</b>"), dom);
            for (final String server : List.of("server1", "server2")) {
                assertTrue(Pattern.compile("<tr class=\"server\" data-name=\"" + server + "\">.*?<span class=\"ok\">"
                    + "normal</span>", Pattern.DOTALL).matcher(dom).find(), server + " normal:\n" + dom);
            }
            for (final String[] g : List.of(new String[] {"A", "server1"}, new String[] {"B", "server2"},
                new String[] {"C", "server1"})) {
                assertTrue(Pattern.compile("<tr class=\"group\" data-name=\"" + g[0] + "\"><td>" + g[0] + "</td><td>"
                    + "<span class=\"ok\">online</span></td><td>on " + g[1] + "</td>").matcher(dom).find(),
                    g[0] + " online on " + g[1] + ":\n" + dom);
            }
            assertTrue(dom.contains("ARMS_EVENT=START"), "the transitions with their ARMS_* values:\n" + dom);
            final Matcher received = Pattern.compile("<td class=\"n\">0</td><td>192\\.0\\.2\\.12</td>"
                + "<td class=\"n\">(\\d+)</td>").matcher(dom);
            assertTrue(received.find() && Long.parseLong(received.group(1)) > 0, "heartbeats from server2:\n" + dom);

            final Path shot = Path.of("target", "status-page.png").toAbsolutePath();
            Files.deleteIfExists(shot);
            browser(ns, profile, "--screenshot=" + shot, "--window-size=1280,900", URL);
            assertTrue(Files.size(shot) > 10_000, "a screenshot of the page at " + shot);

            final String metrics = c.net().exec(ns, "bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/7406; printf 'GET "
                + "/metrics HTTP/1.0\\r\\n\\r\\n' >&3; cat <&3");
            assertTrue(metrics.startsWith("HTTP/1.1 200"), metrics);
            assertTrue(metrics.contains("Content-type: text/plain; version=0.0.4"), metrics);
            assertTrue(Pattern.compile("(?m)^armd_heartbeat_received_total\\{server=\"server1\",peer=\"server2\","
                + "path=\"0\",address=\"192\\.0\\.2\\.12\"} [1-9]\\d*$").matcher(metrics).find(), metrics);
            assertTrue(metrics.contains("armd_group_online{server=\"server1\",group=\"A\",state=\"online\"} 1"),
                metrics);
            assertTrue(Pattern.compile("(?m)^armd_script_runs_total\\{server=\"server1\",group=\"A\","
                + "script=\"start\"} 1$").matcher(metrics).find(), metrics);
            final String post = c.net().exec(ns, "bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/7406; printf 'POST / "
                + "HTTP/1.0\\r\\nContent-Length: 0\\r\\n\\r\\n' >&3; cat <&3");
            assertTrue(post.startsWith("HTTP/1.1 405"), "read-only:\n" + post);

            // server2's agent dies: server1 records how long it had been silent when it declared it down
            c.kill9(1);
            c.await(() -> json(c).contains("\"detections\":[{\"server\":\"server2\""), T, "a detection of server2");
            final Matcher latency = Pattern.compile("\"detections\":\\[\\{\"server\":\"server2\",\"at_ms\":\\d+,"
                + "\"latency_ms\":(\\d+)").matcher(json(c));
            assertTrue(latency.find(), json(c));
            final String after = c.net().exec(ns, "bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/7406; printf 'GET "
                + "/metrics HTTP/1.0\\r\\n\\r\\n' >&3; cat <&3");
            assertTrue(after.contains("armd_detection_latency_seconds{server=\"server1\",peer=\"server2\"} "), after);
        }
    }

    private static String json(final AgentCluster c) {
        try {
            return new armd.control.ControlClient(c.socket(0), 30_000)
                .call(new armd.control.ControlRequest.Status(true)).text();
        } catch (IOException e) {
            return "";
        }
    }

    /** Headless Chromium in {@code ns} with a new empty profile; its standard output. */
    private static String browser(final String ns, final Path profile, final String... args) throws Exception {
        final List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", ns, "/usr/bin/chromium",
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--user-data-dir=" + profile));
        cmd.addAll(List.of(args));
        final Path out = Files.createTempFile(profile.getParent(), "chromium", ".out");
        final Path err = Files.createTempFile(profile.getParent(), "chromium", ".err");
        final Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
            throw new AssertionError("chromium did not finish within 120 s: " + Files.readString(err));
        }
        assertEquals(0, p.exitValue(), () -> {
            try {
                return "chromium: " + Files.readString(err);
            } catch (IOException e) {
                return "chromium failed";
            }
        });
        return Files.readString(out, StandardCharsets.UTF_8);
    }
}
