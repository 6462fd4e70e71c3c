package armd.status;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** The renderers on one status: armstat's text as scripts parse it, JSON, Prometheus, HTML, all escaped. */
class StatusRenderTest {
    private static ClusterStatus sample(final String groupName) {
        final Map<String, String> arms = new LinkedHashMap<>();
        arms.put("ARMS_EVENT", "FAILOVER");
        arms.put("ARMS_SERVER", "OTHER");
        return new ClusterStatus("demo", "server2", "normal", 1_700_000_000_000L,
            List.of(new ClusterStatus.Server("server1", "down", false,
                    List.of(new ClusterStatus.Path(0, "192.0.2.11", 120, 3, 1, 250))),
                new ClusterStatus.Server("server2", "normal", true, List.of())),
            List.of(new ClusterStatus.Group(groupName, "online", "server2", "server2", true, 1, 1, 8,
                    List.of(new ClusterStatus.Resource("A-ip", "ip", "up")),
                    List.of(new ClusterStatus.Monitor("lan", "ping", "watching")), null),
                new ClusterStatus.Group("B", "pending", null, "server1", true, 0, 0, 8, List.of(), List.of(), null)),
            List.of(new ClusterStatus.Transition(1_700_000_000_000L, groupName, "start", arms, "ok", 0, 143)),
            List.of(new ClusterStatus.ScriptStats(groupName, "start", 1, 0, 0, 143)),
            List.of(new ClusterStatus.Detection("server1", 1_700_000_000_000L, 30)),
            new ClusterStatus.Heartbeats(1200, java.util.Map.of("bad_mac", 7L), 40, 0, 2));
    }

    @Test
    void theTextKeepsTheLinesScriptsAndTheDemoMatch() {
        final String t = StatusText.render(sample("A"));
        assertTrue(t.startsWith("cluster demo (seen from server2)\nservers:\n"), t);
        assertTrue(t.matches("(?s).*\n  server1 +DOWN\n.*"), t);
        assertTrue(t.matches("(?s).*\n      path 0 192\\.0\\.2\\.11 +received 120, lost 3, late 1, last heard 250 ms "
            + "ago\n.*"), t);
        assertTrue(t.matches("(?s).*\n  A +online +on server2\n.*"), t);
        assertTrue(t.matches("(?s).*\n  B +pending +to server1\n.*"), t);
        assertTrue(t.contains("      resource A-ip             ip    up\n"), t);
        assertTrue(t.contains("monitor failovers from server2: A 1/8\n"), t);
        assertTrue(t.contains("A        start ARMS_EVENT=FAILOVER ARMS_SERVER=OTHER: ok (exit 0, 143 ms)"), t);
    }

    @Test
    void jsonHasTheOldKeysAndTheNewOnes() {
        final String j = StatusJson.render(sample("A"));
        assertTrue(j.startsWith("{\"cluster\":\"demo\",\"server\":\"server2\",\"state\":\"normal\""), j);
        assertTrue(j.contains("{\"name\":\"A\",\"state\":\"online\",\"server\":\"server2\",\"owner\":\"server2\""), j);
        assertTrue(j.contains("\"paths\":[{\"path\":0,\"address\":\"192.0.2.11\",\"received\":120,\"lost\":3"), j);
        assertTrue(j.contains("\"arms\":{\"ARMS_EVENT\":\"FAILOVER\",\"ARMS_SERVER\":\"OTHER\"}"), j);
        assertTrue(j.contains("\"heartbeats\":{\"accepted\":1200,\"dropped\":{\"bad_mac\":7},\"kernel_dropped\":40,"
            + "\"receive_errors\":0,\"send_errors\":2}"), j);
        assertFalse(j.contains("\n"), "one line");
    }

    @Test
    void metricsAreThePrometheusTextFormatWithEscapedLabels() {
        final String m = StatusMetrics.render(sample("A\"b\\c\nd"));
        assertTrue(m.contains("armd_heartbeat_lost_total{server=\"server2\",peer=\"server1\",path=\"0\","
            + "address=\"192.0.2.11\"} 3\n"), m);
        assertTrue(m.contains("armd_heartbeat_last_heard_seconds{server=\"server2\",peer=\"server1\",path=\"0\","
            + "address=\"192.0.2.11\"} 0.250\n"), m);
        assertTrue(m.contains("armd_group_online{server=\"server2\",group=\"A\\\"b\\\\c\\nd\",state=\"online\"} 1\n"),
            m);
        assertTrue(m.contains("armd_heartbeats_dropped_total{server=\"server2\",reason=\"bad_mac\"} 7\n"), m);
        assertTrue(m.contains("armd_heartbeats_dropped_total{server=\"server2\",reason=\"kernel\"} 40\n"), m);
        assertTrue(m.contains("armd_detection_latency_seconds{server=\"server2\",peer=\"server1\"} 0.030\n"), m);
        assertTrue(m.contains("armd_script_duration_seconds_total{server=\"server2\",group=\"A\\\"b\\\\c\\nd\","
            + "script=\"start\"} 0.143\n"), m);
        for (final String line : m.split("\n")) {
            assertTrue(line.startsWith("# HELP armd_") || line.startsWith("# TYPE armd_")
                || line.matches("armd_[a-z_]+\\{.*} -?[0-9.]+"), line);
        }
    }

    @Test
    void thePageEscapesNamesAndRefreshesItself() {
        final String h = StatusPage.render(sample("<script>alert(1)</script>"));
        assertTrue(h.contains("<meta http-equiv=\"refresh\" content=\"2\">"), h);
        assertFalse(h.contains("<script>"), h);
        assertTrue(h.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), h);
    }
}
