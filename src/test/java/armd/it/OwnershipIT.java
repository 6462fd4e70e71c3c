package armd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import armd.control.ControlRequest;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

import org.junit.jupiter.api.Test;

/**
 * The ownership promise with real agents and the kernel's own evidence: every address add and delete in every
 * namespace is recorded by {@link AddressWatch} (rtnetlink), and the invariants are checked against it, not only
 * against what the agents say. Group A has the floating IP 192.0.2.100 (C has .102 on three servers); B has none.
 * Heartbeats at the tests' 20 ms / 600 ms.
 */
class OwnershipIT {
    private static final int T = 90;
    private static final String A_IP = "192.0.2.100/24";
    private static final String C_IP = "192.0.2.102/24";

    private static AgentCluster cluster(final String tag, final int servers) throws Exception {
        final AgentCluster c = new AgentCluster(tag, servers, false);
        c.extraConfig("[resource A-ip]\ngroup = A\ntype = ip\naddress = " + A_IP + "\ninterface = eth0\n"
            + (servers > 2 ? "\n[resource C-ip]\ngroup = C\ntype = ip\naddress = " + C_IP + "\ninterface = eth0\n" : ""));
        return c;
    }

    private static AddressWatch watch(final AgentCluster c, final int servers) throws Exception {
        final Map<String, String> ns = new LinkedHashMap<>();
        for (int i = 0; i < servers; i++) {
            ns.put("server" + (i + 1), c.namespace(i));
        }
        return new AddressWatch(ns);
    }

    private static String mac(final AgentCluster c, final int i) throws Exception {
        return c.net().exec(c.namespace(i), "cat", "/sys/class/net/eth0/address").strip();
    }

    /** Every agent names {@code server} for {@code group}. */
    private static boolean allName(final AgentCluster c, final int servers, final String group, final String server) {
        for (int i = 0; i < servers; i++) {
            if (!c.onlineOn(i, group).equals(server)) {
                return false;
            }
        }
        return true;
    }

    private static String evidence(final AgentCluster c, final AddressWatch w) {
        return "address events:\n" + String.join("\n", w.events().stream().map(Object::toString).toList()) + "\n"
            + c.diagnostics();
    }

    @Test
    void aHeartbeatOnlyCutMovesNoGroupWhoseAddressStillAnswersAndHealsToOne() throws Exception {
        Netns.assumeRoot();
        try (AgentCluster c = cluster("ohb", 2); AddressWatch w = watch(c, 2)) {
            c.startAll();
            c.await(() -> allName(c, 2, "A", "server1") && allName(c, 2, "B", "server2")
                && w.holders(A_IP).equals(List.of("server1")), T, "A on server1 with its address");
            for (int i = 0; i < 2; i++) {
                Nft.dropIn(c.net(), c.namespace(i), "udp dport 7405 counter drop");
            }
            final String waits = "takeover waits: 192.0.2.100 answered by " + mac(c, 0);
            c.await(() -> statusHas(c, 1, waits), T, "server2 waiting, naming server1's MAC");
            // B has no address to ask about: it runs on both sides until the heal (the partition tiebreak's job)
            c.await(() -> c.onlineOn(0, "B").equals("server1"), T, "B taken over by server1");
            assertEquals(List.of("server1"), w.holders(A_IP), evidence(c, w));
            for (int i = 0; i < 2; i++) {
                Nft.heal(c.net(), c.namespace(i));
            }
            c.await(() -> allName(c, 2, "A", "server1") && allName(c, 2, "B", "server2"), T, "one placement");
            assertEquals(List.of("server1"), w.holders(A_IP), evidence(c, w));
            assertFalse(w.everHeld("server2", A_IP), "server2 never held A's address: " + evidence(c, w));
        }
    }

    @Test
    void anIsolatedHolderIsTakenOverAndTheHealLeavesOneHolderThatEveryAgentNames() throws Exception {
        Netns.assumeRoot();
        try (AgentCluster c = cluster("ois", 2); AddressWatch w = watch(c, 2)) {
            c.startAll();
            c.await(() -> allName(c, 2, "A", "server1") && w.holders(A_IP).equals(List.of("server1")), T,
                "A on server1 with its address");
            // server1 cut off at the switch, carrier up: nothing of it reaches server2, ARP included
            Nft.isolatePort(c.net(), c.hub(), "p1");
            c.await(() -> w.holders(A_IP).equals(List.of("server1", "server2")) && c.onlineOn(1, "A").equals("server2"),
                T, "server2 took A over with its address");
            Nft.heal(c.net(), c.hub());
            // both held it: server1 comes first in A's policy and keeps it; server2 stops its copy, releases
            c.await(() -> w.holders(A_IP).equals(List.of("server1")) && allName(c, 2, "A", "server1"), T,
                "one holder of A's address, named by every agent");
            c.await(() -> c.logHas(0, "announcing its addresses again"), T, "server1 announced A's address again");
            assertTrue(c.records().stream().anyMatch(r -> r.startsWith("2 stop A FAILOVER OTHER 2 GROUPFAILOVER")),
                c.records().toString());
        }
    }

    @Test
    void aOneWayCutDoesNotMoveAGroupWhoseAddressAnswers() throws Exception {
        Netns.assumeRoot();
        try (AgentCluster c = cluster("oow", 2); AddressWatch w = watch(c, 2)) {
            c.startAll();
            c.await(() -> allName(c, 2, "A", "server1") && w.holders(A_IP).equals(List.of("server1")), T,
                "A on server1 with its address");
            // server2 stops hearing server1; server1 still hears server2
            Nft.dropIn(c.net(), c.namespace(1), "ip saddr " + AgentCluster.address(0) + " udp dport 7405 counter drop");
            c.await(() -> c.logHas(1, "server server1 is down") && statusHas(c, 1, "takeover waits"), T,
                "server2 sees server1 down and waits");
            Nft.heal(c.net(), c.namespace(1));
            c.await(() -> allName(c, 2, "A", "server1"), T, "A on server1 for both");
            assertFalse(w.everHeld("server2", A_IP), evidence(c, w));
        }
    }

    @Test
    void aKilledAgentWithoutItsGuardianHoldsItsAddressUntilItsRestartReleasesIt() throws Exception {
        Netns.assumeRoot();
        try (AgentCluster c = cluster("okr", 2); AddressWatch w = watch(c, 2)) {
            c.startAll();
            c.await(() -> allName(c, 2, "A", "server1") && w.holders(A_IP).equals(List.of("server1")), T,
                "A on server1 with its address");
            // the fixture runs the JVM without the guardian: the address outlives it, and still answers
            c.kill9(0);
            final String waits = "takeover waits: 192.0.2.100 answered by " + mac(c, 0);
            c.await(() -> statusHas(c, 1, waits), T,
                "server2 waiting for the dead agent's address");
            assertEquals(List.of("server1"), w.holders(A_IP), evidence(c, w));
            // the restarted agent removes it before anything else; server2 takes A over at its next check
            c.start(0);
            c.await(() -> w.holders(A_IP).equals(List.of("server2")) && c.onlineOn(1, "A").equals("server2"), T,
                "A and its address on server2");
            c.await(() -> c.logHas(0, "still up from an earlier run of this agent"), T, "the stale address logged");
            c.await(() -> statusMatches(c, 0, "(?m)^\\s+server1\\s+ISOLATED$"), T, "server1 back isolated");
        }
    }

    @Test
    void aKilledAgentsGuardianEndsItsProcessesReleasesItsAddressAndSaysGone() throws Exception {
        Netns.assumeRoot();
        try (AgentCluster c = cluster("okg", 2); AddressWatch w = watch(c, 2)) {
            final java.nio.file.Path app = c.dir().resolve("app.pid");
            final java.nio.file.Path start = c.dir().resolve("A-app-start.sh");
            java.nio.file.Files.writeString(start, "#!/bin/sh\n[ \"$ARMS_EVENT\" = RECOVER ] && exit 0\n"
                + "sleep 3000 </dev/null >/dev/null 2>&1 &\necho $! > " + app + "\n");
            final java.nio.file.Path stop = c.dir().resolve("A-app-stop.sh");
            java.nio.file.Files.writeString(stop, "#!/bin/sh\nexit 0\n");
            for (final java.nio.file.Path p : List.of(start, stop)) {
                java.nio.file.Files.setPosixFilePermissions(p,
                    java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
            }
            c.chain("A", start, stop);
            c.guarded();
            c.startAll();
            c.await(() -> allName(c, 2, "A", "server1") && w.holders(A_IP).equals(List.of("server1"))
                && java.nio.file.Files.exists(app), T, "A on server1 with its address and its application");
            final long appPid = Long.parseLong(java.nio.file.Files.readString(app).trim());
            java.nio.file.Files.delete(app);
            c.kill9(0);
            // the guardian ended the application, removed the address and said "gone": server2 takes over at once
            c.await(() -> w.holders(A_IP).equals(List.of("server2")) && c.onlineOn(1, "A").equals("server2"), T,
                "A and its address on server2");
            // (a loaded machine may see the refused port first: then the gone confirms it)
            c.await(() -> c.logHas(1, "its guardian released what it held")
                || c.logHas(1, "its guardian confirms its agent died"), T, "server2 heard the guardian's gone");
            assertFalse(ProcessHandle.of(appPid).map(ProcessHandle::isAlive).orElse(false),
                "the application server1's start script left running is gone");
            assertTrue(c.logHas(0, "armguard: "), "the guardian logged what it did: " + evidence(c, w));
        }
    }

    /**
     * Random single faults on three servers (kill -9 and restart, heartbeat cut, isolation at the bridge, the
     * holder's link down for 2-5 s), each healed before the next: after each, every address is on exactly one
     * server and every agent names that server. Seeded; the seed is in the failure message.
     */
    @Test
    void randomSingleFaultsSettleToOneHolderThatEveryAgentNames() throws Exception {
        Netns.assumeRoot();
        final long seed = Long.getLong("armd.it.seed", System.nanoTime());
        final int rounds = Integer.getInteger("armd.it.rounds", 6);
        final Random random = new Random(seed);
        try (AgentCluster c = cluster("orf", 3); AddressWatch w = watch(c, 3)) {
            c.guarded();
            c.startAll();
            c.await(() -> settled(c, w), T, "settled at start");
            final List<String> done = new ArrayList<>();
            for (int round = 0; round < rounds; round++) {
                final int victim = random.nextInt(3);
                final int kind = random.nextInt(4);
                done.add("round " + round + ": fault " + kind + " on server" + (victim + 1));
                final String ctx = "seed " + seed + " (-Darmd.it.seed=" + seed + "), " + String.join("; ", done);
                switch (kind) {
                    case 0 -> {
                        c.kill9(victim);
                        Thread.sleep(500 + random.nextInt(1500));
                        c.start(victim);
                        c.await(() -> statusMatches(c, victim, "(?m)^\\s+server" + (victim + 1) + "\\s+ISOLATED$"), T,
                            ctx + ": restarted isolated");
                        c.ok(victim, new ControlRequest.ServerReturn(Optional.empty()));
                    }
                    case 1 -> {
                        Nft.dropIn(c.net(), c.namespace(victim), "udp dport 7405 counter drop");
                        Nft.dropOut(c.net(), c.namespace(victim), "udp dport 7405 counter drop");
                        Thread.sleep(2000 + random.nextInt(3000));
                        Nft.heal(c.net(), c.namespace(victim));
                    }
                    case 2 -> {
                        Nft.isolatePort(c.net(), c.hub(), "p" + (victim + 1));
                        Thread.sleep(2000 + random.nextInt(3000));
                        Nft.heal(c.net(), c.hub());
                    }
                    default -> {
                        c.net().exec(c.namespace(victim), "ip", "link", "set", "eth0", "down");
                        Thread.sleep(2000 + random.nextInt(3000));
                        c.net().exec(c.namespace(victim), "ip", "link", "set", "eth0", "up");
                    }
                }
                c.await(() -> settled(c, w), T, ctx + ": one holder per address that every agent names\n"
                    + "address events:\n" + String.join("\n", w.events().stream().map(Object::toString).toList()));
            }
        }
    }

    /** Each of A and C on one server that holds its address and every agent names; B named alike by all. */
    private static boolean settled(final AgentCluster c, final AddressWatch w) {
        for (final String[] g : new String[][] {{"A", A_IP}, {"C", C_IP}, {"B", null}}) {
            final String at = c.onlineOn(0, g[0]);
            if (at.equals("-") || !allName(c, 3, g[0], at)) {
                return false;
            }
            if (g[1] != null && !w.holders(g[1]).equals(List.of(at))) {
                return false;
            }
        }
        return true;
    }

    private static boolean statusMatches(final AgentCluster c, final int i, final String regex) {
        try {
            return java.util.regex.Pattern.compile(regex).matcher(c.status(i)).find();
        } catch (Exception | AssertionError e) {
            return false;
        }
    }

    private static boolean statusHas(final AgentCluster c, final int i, final String text) {
        try {
            return c.status(i).contains(text);
        } catch (Exception | AssertionError e) {
            return false;
        }
    }
}
