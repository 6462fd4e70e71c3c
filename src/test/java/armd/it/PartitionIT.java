package armd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/**
 * Real agents under network faults made with nftables (in their namespaces, or on the bridge joining them): heavy
 * heartbeat loss that must not look like a failure, and a full partition (split brain: both sides run the groups) that must resolve
 * to one server per group when it heals.
 */
class PartitionIT {
    private static final int T = 90;
    private static final String TABLE = "armd_it";

    /** Drops heartbeats arriving in {@code ns}: all of them from {@code from}, or {@code percent}% at random. */
    private static void drop(final AgentCluster c, final int ns, final String rule) throws Exception {
        final String n = c.namespace(ns);
        c.net().exec(n, "nft", "add", "table", "inet", TABLE);
        c.net().exec(n, "nft", "add", "chain", "inet", TABLE, "in",
            "{ type filter hook input priority 0 ; policy accept ; }");
        final List<String> cmd = new java.util.ArrayList<>(List.of("nft", "add", "rule", "inet", TABLE, "in"));
        cmd.addAll(List.of(rule.split(" ")));
        c.net().exec(n, cmd.toArray(String[]::new));
    }

    /**
     * Cuts server1 from server2 both ways at once: one nftables transaction on the bridge between them (the hub).
     * Two rules in the servers' namespaces, added one after the other, leave a one-way partition between them for
     * as long as the second takes; on a loaded machine that outlasts the heartbeat timeout, and the side that
     * still hears the other acts on the other's early verdict (a stop the test does not expect).
     */
    private static void partition(final AgentCluster c) throws Exception {
        final java.nio.file.Path rules = c.dir().resolve("partition.nft");
        Files.writeString(rules, "table bridge " + TABLE + " {\n"
            + "  chain between {\n"
            + "    type filter hook forward priority 0; policy accept;\n"
            + "    iifname \"p1\" oifname \"p2\" counter drop\n"
            + "    iifname \"p2\" oifname \"p1\" counter drop\n"
            + "  }\n"
            + "}\n");
        c.net().exec(c.hub(), "nft", "-f", rules.toString());
    }

    /** Ends {@link #partition}: one transaction again. */
    private static void healPartition(final AgentCluster c) throws Exception {
        c.net().exec(c.hub(), "nft", "delete", "table", "bridge", TABLE);
    }

    /** Packets the namespace's rule has dropped so far (its counter). */
    private static long dropped(final AgentCluster c, final int ns) throws Exception {
        final Matcher m = Pattern.compile("counter packets (\\d+)")
            .matcher(c.net().exec(c.namespace(ns), "nft", "list", "table", "inet", TABLE));
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }

    /** Where each of A, B, C is online as server {@code at} sees it, e.g. "A=server1 B=server2 C=server1". */
    private static String placement(final AgentCluster c, final int at) {
        return c.placement(at);
    }

    private static List<String> stops(final AgentCluster c) {
        try {
            return c.records().stream().filter(r -> r.contains(" stop ")).toList();
        } catch (java.io.IOException e) {
            return List.of();
        }
    }

    private static long downLines(final AgentCluster c) throws Exception {
        long n = 0;
        for (int i = 0; i < 2; i++) {
            n += Files.readAllLines(c.log(i)).stream().filter(l -> l.contains(" is down: ")).count();
        }
        return n;
    }

    @Test
    void thirtyPercentHeartbeatLossIsNotAFailure() throws Exception {
        Netns.assumeRoot();
        try (AgentCluster c = new AgentCluster("pl", 2, false)) {
            c.startAll();
            c.awaitRecords(3, T);
            c.awaitSettled(T);
            // 30% loss both ways: 1500 ms of silence would need 75 heartbeats lost in a row (0.3^75)
            for (int i = 0; i < 2; i++) {
                drop(c, i, "udp dport 7405 numgen random mod 100 < 30 counter drop");
            }
            c.await(() -> {
                try {
                    return dropped(c, 0) >= 150 && dropped(c, 1) >= 150;
                } catch (Exception e) {
                    return false;
                }
            }, T, "150 heartbeats dropped on each side");
            assertEquals(0, downLines(c), c.diagnostics());
            assertEquals(3, c.records().size(), "no script ran: " + c.records());
        }
    }

    @Test
    void aHealedPartitionLeavesEachGroupOnOneServer() throws Exception {
        Netns.assumeRoot();
        try (AgentCluster c = new AgentCluster("pp", 2, false)) {
            c.startAll();
            c.awaitRecords(3, T);
            // server1 learns that B is online on server2 from server2's next heartbeat, not with the record
            c.awaitSettled(T);
            assertEquals("A=server1 B=server2 C=server1", placement(c, 0));
            partition(c);
            // split brain: each side declares the other down and starts its groups (FAILOVER)
            c.await(() -> {
                try {
                    return placement(c, 0).equals("A=server1 B=server1 C=server1")
                        && placement(c, 1).equals("A=server2 B=server2 C=server2");
                } catch (Exception e) {
                    return false;
                }
            }, T, "both sides running every group");
            healPartition(c);
            c.await(() -> {
                try {
                    final String p0 = placement(c, 0);
                    return p0.equals(placement(c, 1)) && !p0.contains("-");
                } catch (Exception e) {
                    return false;
                }
            }, T, "one placement both servers agree on");
            // the placement agrees as the losing side begins to stop: its stop scripts record as they start
            c.await(() -> stops(c).size() >= 3, T, "three stop scripts on the losing side");
            c.awaitSettled(T);
            final List<String> stops = stops(c);
            assertEquals(3, stops.size(), "each group stopped on the losing side once: " + c.records());
            assertTrue(stops.stream().allMatch(r -> r.contains(" GROUPFAILOVER ")), stops.toString());
        }
    }
}
