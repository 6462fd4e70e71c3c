package armd.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import armd.it.Netns;
import armd.it.Nft;
import armd.sys.NetNamespace;

import java.net.InetAddress;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The ping tiebreak against real namespaces: a server namespace and three target namespaces on a bridge. A target
 * answers until nftables in its namespace drops echo requests; the rules any, all and majority are decided on what
 * answered, and the detail names every target.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class TiebreakIT {
    private static final List<String> TARGETS = List.of("192.0.2.1", "192.0.2.2", "192.0.2.3");

    /** The server namespace "s" and targets "t1".."t3" on bridge br0 in namespace "hub". */
    private static String[] topology(final Netns n) throws Exception {
        final String hub = n.namespace("hub");
        n.bridge(hub, "br0");
        final String s = n.namespace("s");
        n.veth(s, "eth0", hub, "ps");
        n.attach(hub, "ps", "br0");
        n.address(s, "eth0", "192.0.2.10/24");
        n.exec(s, "ip", "addr", "add", "2001:db8::10/64", "dev", "eth0", "nodad");
        final String[] t = new String[TARGETS.size()];
        for (int i = 0; i < t.length; i++) {
            t[i] = n.namespace("t" + (i + 1));
            n.veth(t[i], "eth0", hub, "p" + (i + 1));
            n.attach(hub, "p" + (i + 1), "br0");
            n.address(t[i], "eth0", TARGETS.get(i) + "/24");
            n.exec(t[i], "ip", "addr", "add", "2001:db8::" + (i + 1) + "/64", "dev", "eth0", "nodad");
        }
        return new String[] {s, t[0], t[1], t[2]};
    }

    private static Tiebreak tiebreak(final List<String> targets, final int needed) {
        return new Tiebreak(targets.stream().map(InetAddress::ofLiteral).toList(), needed, 200, 3);
    }

    /** Runs a check from namespace {@code ns} (its threads inherit it) and waits for its result. */
    private static Tiebreak.Result check(final String ns, final Tiebreak t) throws Exception {
        final CompletableFuture<Tiebreak.Result> f = new CompletableFuture<>();
        final CompletableFuture<String> thread = new CompletableFuture<>();
        NetNamespace.call(ns, () -> {
            t.check(r -> {
                thread.complete(Thread.currentThread().getName());
                f.complete(r);
            });
            return null;
        });
        final Tiebreak.Result r = f.get(30, TimeUnit.SECONDS);
        assertEquals("armd-tiebreak", thread.get(), "the result comes on the check's own thread");
        return r;
    }

    private static void cut(final Netns n, final String ns) throws Exception {
        Nft.dropIn(n, ns, "icmp type echo-request counter drop");
        n.exec(ns, "nft", "add", "rule", "inet", Nft.TABLE, "in", "icmpv6", "type", "echo-request", "counter",
            "drop");
    }

    @Test
    void theRulesDecideOnWhatAnswers() throws Exception {
        Netns.assumeRoot();
        try (Netns n = new Netns("tieb")) {
            final String[] ns = topology(n);
            final String s = ns[0];
            final Tiebreak any = tiebreak(TARGETS, 1);
            final Tiebreak majority = tiebreak(TARGETS, 2);
            final Tiebreak all = tiebreak(TARGETS, 3);

            // every target answers
            for (final Tiebreak t : List.of(any, majority, all)) {
                final Tiebreak.Result r = check(s, t);
                assertTrue(r.reachable(), r.detail());
                assertTrue(r.detail().startsWith("reaches the outside: "), r.detail());
            }
            final Tiebreak.Result full = check(s, all);
            assertEquals(3, full.reached());
            for (final String a : TARGETS) {
                assertTrue(full.detail().contains(a + " answered ("), full.detail());
            }

            // t2 is cut: any and majority still reach, all does not
            cut(n, ns[2]);
            assertTrue(check(s, any).reachable());
            final Tiebreak.Result m1 = check(s, majority);
            assertTrue(m1.reachable(), m1.detail());
            final Tiebreak.Result a1 = check(s, all);
            assertFalse(a1.reachable(), a1.detail());
            assertTrue(a1.detail().startsWith("cut off: "), a1.detail());
            assertTrue(a1.detail().contains("192.0.2.2: no reply (3 echoes of 200 ms)"), a1.detail());
            assertTrue(Nft.dropped(n, ns[2], "inet") >= 3, "the echoes reached t2 and were dropped there");

            // t3 is cut too: only any reaches
            cut(n, ns[3]);
            assertTrue(check(s, any).reachable());
            final Tiebreak.Result m2 = check(s, majority);
            assertFalse(m2.reachable(), m2.detail());
            assertTrue(m2.detail().endsWith("(1 answered, 2 of 3 needed)"), m2.detail());
            assertFalse(check(s, all).reachable());

            // every target is cut: nothing reaches; then t1 heals
            cut(n, ns[1]);
            final Tiebreak.Result none = check(s, any);
            assertFalse(none.reachable(), none.detail());
            assertEquals(0, none.reached());
            for (final String a : TARGETS) {
                assertTrue(none.detail().contains(a + ": no reply (3 echoes of 200 ms)"), none.detail());
            }
            Nft.heal(n, ns[1]);
            final Tiebreak.Result back = check(s, any);
            assertTrue(back.reachable(), back.detail());
            assertTrue(back.detail().contains("192.0.2.1 answered"), back.detail());
        }
    }

    @Test
    void ipv6TargetsAndTargetsWithoutARoute() throws Exception {
        Netns.assumeRoot();
        try (Netns n = new Netns("tie6")) {
            final String[] ns = topology(n);
            final String s = ns[0];
            final Tiebreak.Result v6 = check(s, tiebreak(List.of("2001:db8::1", "2001:db8::2"), 2));
            assertTrue(v6.reachable(), v6.detail());
            cut(n, ns[1]);
            final Tiebreak.Result cut6 = check(s, tiebreak(List.of("2001:db8::1", "2001:db8::2"), 2));
            assertFalse(cut6.reachable(), cut6.detail());
            assertTrue(cut6.detail().contains("2001:db8::1: no reply"), cut6.detail());
            // no route to 203.0.113.1: unreachable at once, and still tried three times (one per slot)
            final Tiebreak.Result noRoute = check(s, tiebreak(List.of("203.0.113.1", "192.0.2.2"), 2));
            assertFalse(noRoute.reachable(), noRoute.detail());
            assertTrue(noRoute.detail().contains("203.0.113.1: unreachable"), noRoute.detail());
        }
    }

    @Test
    void checksAskedWhileOneRunsAllGetAnAnswer() throws Exception {
        Netns.assumeRoot();
        try (Netns n = new Netns("tiec")) {
            final String[] ns = topology(n);
            cut(n, ns[1]);
            final Tiebreak t = tiebreak(List.of("192.0.2.1"), 1);
            final CompletableFuture<Tiebreak.Result> first = new CompletableFuture<>();
            final CompletableFuture<Tiebreak.Result> second = new CompletableFuture<>();
            NetNamespace.call(ns[0], () -> {
                t.check(first::complete);
                t.check(second::complete);
                return null;
            });
            assertFalse(first.get(30, TimeUnit.SECONDS).reachable());
            assertFalse(second.get(30, TimeUnit.SECONDS).reachable());
            // and the tiebreak is ready for the next check
            Nft.heal(n, ns[1]);
            assertTrue(check(ns[0], t).reachable());
        }
    }
}
