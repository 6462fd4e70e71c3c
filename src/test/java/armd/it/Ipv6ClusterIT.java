package armd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * An IPv6-only cluster of two real agents (addresses from 2001:db8::/64 only, heartbeats by IPv6 unicast), group A
 * with the floating address 2001:db8::100/64, checked against the kernel's own address events ({@link AddressWatch}).
 */
class Ipv6ClusterIT {
    private static final int T = 90;
    private static final String A_IP = "2001:db8::100/64";

    private static AgentCluster cluster(final String tag, final String ipOptions) throws Exception {
        return cluster(tag, ipOptions, AgentCluster.Heartbeat.TESTS_IPV6);
    }

    private static AgentCluster cluster(final String tag, final String ipOptions, final AgentCluster.Heartbeat hb)
        throws Exception {
        final AgentCluster c = new AgentCluster(tag, 2, false, hb);
        c.extraConfig("[resource A-ip]\ngroup = A\ntype = ip\naddress = " + A_IP + "\ninterface = eth0\n" + ipOptions);
        return c;
    }

    private static AddressWatch watch(final AgentCluster c) throws Exception {
        final Map<String, String> ns = new LinkedHashMap<>();
        for (int i = 0; i < 2; i++) {
            ns.put("server" + (i + 1), c.namespace(i));
        }
        return new AddressWatch(ns);
    }

    private static String evidence(final AgentCluster c, final AddressWatch w) {
        return "address events:\n" + String.join("\n", w.events().stream().map(Object::toString).toList()) + "\n"
            + c.diagnostics();
    }

    @Test
    void theFloatingAddressMovesToTheOtherServerWhenTheHoldersLinkGoesDown() throws Exception {
        failsOver("v6f", AgentCluster.Heartbeat.TESTS_IPV6);
    }

    /** The same with heartbeats by multicast to ff02::a12d (and crash probes by unicast). */
    @Test
    void withMulticastHeartbeatsTheAddressMovesTheSameWay() throws Exception {
        failsOver("v6m", new AgentCluster.Heartbeat(20, 1500, true, true));
    }

    private static void failsOver(final String tag, final AgentCluster.Heartbeat hb) throws Exception {
        Netns.assumeRoot();
        try (AgentCluster c = cluster(tag, "", hb); AddressWatch w = watch(c)) {
            c.startAll();
            c.await(() -> c.onlineOn(0, "A").equals("server1") && c.onlineOn(1, "A").equals("server1")
                && w.holders(A_IP).equals(List.of("server1")), T, "A on server1 with its IPv6 address");
            // server1's interface down: the kernel drops its IPv6 addresses before the command returns, the floating
            // one included, and server2 hears nothing more from it. server2 adds the address only once it stops
            // answering, so it is never on both: server1 lost it before server2 could take it
            c.net().exec(c.namespace(0), "ip", "link", "set", "eth0", "down");
            assertFalse(c.net().exec(c.namespace(0), "ip", "-6", "addr", "show", "dev", "eth0")
                .contains("2001:db8::100"), "server1 still has the address with its link down");
            c.await(() -> c.onlineOn(1, "A").equals("server2") && w.holders(A_IP).equals(List.of("server2")), T,
                "server2 took A over with its address");
            // server1 added it once and never again
            assertEquals(1, w.events(A_IP).stream().filter(e -> e.added() && e.where().equals("server1")).count(),
                evidence(c, w));
            assertFalse(c.logHas(1, "address conflict"), evidence(c, w));
        }
    }

    /** The guardian of a killed agent removes its floating IPv6 address and says "gone" over IPv6: a takeover. */
    @Test
    void theGuardianOfAKilledAgentReleasesItsIpv6Address() throws Exception {
        Netns.assumeRoot();
        try (AgentCluster c = cluster("v6g", ""); AddressWatch w = watch(c)) {
            c.guarded();
            c.startAll();
            c.await(() -> c.onlineOn(0, "A").equals("server1") && c.onlineOn(1, "A").equals("server1")
                && w.holders(A_IP).equals(List.of("server1")), T, "A on server1 with its IPv6 address");
            c.kill9(0);
            c.await(() -> w.holders(A_IP).equals(List.of("server2")) && c.onlineOn(1, "A").equals("server2"), T,
                "A and its address on server2");
            c.await(() -> c.logHas(0, "armguard: removed 2001:db8::100/64 from eth0"), T,
                "the guardian removed the address: " + evidence(c, w));
        }
    }

    @Test
    void anAddressHeldByAThirdHostIsNotAddedAndTheConflictNamesItsMac() throws Exception {
        Netns.assumeRoot();
        try (AgentCluster c = cluster("v6c", "conflict-retries = 1\nconflict-retry-interval = 100ms\n");
             AddressWatch w = watch(c)) {
            // a third host on the servers' LAN holds A's address
            final String other = c.net().namespace("x");
            c.net().veth(other, "eth0", c.hub(), "px");
            c.net().attach(c.hub(), "px", "br0");
            c.net().exec(other, "ip", "addr", "add", A_IP, "dev", "eth0", "nodad");
            final String mac = c.net().exec(other, "cat", "/sys/class/net/eth0/address").strip();
            c.startAll();
            final String found = "address conflict: 2001:db8::100 is in use (" + mac + ") after 2 tries";
            c.await(() -> c.logHas(0, found) || c.logHas(1, found), T, "the conflict found, naming " + mac);
            assertEquals(List.of(), w.holders(A_IP), evidence(c, w));
            assertFalse(w.everHeld("server1", A_IP) || w.everHeld("server2", A_IP), evidence(c, w));
        }
    }
}
