package armd.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import armd.base.AgentLog;
import armd.cluster.Destination;
import armd.cluster.FailureAction;
import armd.config.MonitorConfig;
import armd.it.LoopDisk;
import armd.it.Netns;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every monitor type against a real fault: the engine reports {@code failed} (group, name, action) within a
 * bounded time after the fault, and nothing but "normal again" before it ({@link MonitorFaults#run}).
 */
class MonitorEngineIT {
    /** Bound for the failure report after the fault (the fast timing detects in well under a second). */
    private static final long FAIL_WITHIN_MS = 10_000;

    @TempDir
    Path dir;

    /**
     * Runs the scenario {@code maker} makes (root only): the engine reports monitor {@code name} failed, with
     * {@code action} and a reason containing {@code reasonPart}, and logs it.
     */
    private void check(final MonitorFaults.Maker maker, final String name, final FailureAction action,
                       final String reasonPart) throws Exception {
        Netns.assumeRoot();
        try (MonitorFaults.Scenario s = maker.make(dir)) {
            final MonitorFaults.Outcome o = MonitorFaults.run(s, MonitorFaults.Timing.FAST, FAIL_WITHIN_MS);
            assertEquals(MonitorFaults.GROUP, o.report().group());
            assertEquals(name, o.report().name());
            assertEquals(action, o.report().action());
            assertEquals(Destination.PRIORITY, o.report().destination());
            assertTrue(o.report().reason().contains(reasonPart), o.report().reason());
            assertTrue(o.log().contains("monitor " + name + " of group A failed: "), o.log());
        }
    }

    /** An engine of server 0 running the one monitor {@code m}, logging to {@code log}. */
    private static MonitorEngine engine(final MonitorConfig m, final MonitorFaults.Recorder events,
                                        final PrintStream log) {
        return new MonitorEngine(MonitorFaults.config(List.of(m)), 0, new AgentLog("s1", log), events);
    }

    @Test
    void pingNoticesTrafficDroppedAtTheTarget() throws Exception {
        check(MonitorFaults::pingDropped, "lan", FailureAction.FAILOVER, "no reply from 192.0.2.254 within 100 ms");
    }

    /** ICMPv6 echo: the gateway at 2001:db8::fe stops answering (nftables drop), the ping monitor notices. */
    @Test
    void pingOverIcmpv6NoticesTrafficDroppedAtTheTarget() throws Exception {
        check(MonitorEngineIT::ping6Dropped, "lan6", FailureAction.FAILOVER,
            "no reply from 2001:db8::fe within 100 ms");
    }

    /** A link-local target is reached through the monitor's interface (its scope). */
    @Test
    void pingOfALinkLocalTargetNoticesTheLinkDown() throws Exception {
        check(MonitorEngineIT::pingLinkLocalDown, "gw-ll", FailureAction.FAILOVER, "fe80::fe");
    }

    /** An ip monitor of an IPv6 address: the address removed by someone else (an rtnetlink IPv6 address event). */
    @Test
    void ipNoticesAnIpv6AddressRemovedBySomeoneElse() throws Exception {
        check(MonitorEngineIT::ip6Removed, "vip6", FailureAction.FAILOVER, "2001:db8::1 was removed from h0");
    }

    private static MonitorFaults.Scenario ip6Removed(final Path dir) throws java.io.IOException {
        return Ipv6Scenario.made(new Ipv6Scenario("mip6", dir) {
            @Override
            public String name() {
                return "ip, an IPv6 address removed by someone else";
            }

            @Override
            public MonitorConfig monitor(final MonitorFaults.Timing t) {
                return MonitorFaults.monitor("vip6", new MonitorConfig.Ip(java.net.InetAddress.ofLiteral(
                    "2001:db8::1"), "h0"), MonitorConfig.When.BOTH, 1, t);
            }

            @Override
            public void inject() throws java.io.IOException {
                net.exec(hostNs, "ip", "addr", "del", "2001:db8::1/64", "dev", "h0");
            }
        });
    }

    /** The IPv4 topology of the scenarios plus 2001:db8::1/64 and fe80::1 on h0, 2001:db8::fe/64 and fe80::fe on g0. */
    private abstract static class Ipv6Scenario extends MonitorFaults.Scenario {
        Ipv6Scenario(final String tag, final Path dir) {
            super(tag, dir);
        }

        @Override
        void topology() throws java.io.IOException {
            super.topology();
            // nodad: usable at once (the kernel's own detection would hold them tentative for a second or more)
            net.exec(hostNs, "ip", "addr", "add", "2001:db8::1/64", "dev", "h0", "nodad");
            net.exec(gatewayNs, "ip", "addr", "add", "2001:db8::fe/64", "dev", "g0", "nodad");
            net.exec(hostNs, "ip", "addr", "add", "fe80::1/64", "dev", "h0", "nodad");
            net.exec(gatewayNs, "ip", "addr", "add", "fe80::fe/64", "dev", "g0", "nodad");
        }

        static MonitorFaults.Scenario made(final MonitorFaults.Scenario s) throws java.io.IOException {
            try {
                s.topology();
                return s;
            } catch (java.io.IOException | RuntimeException e) {
                s.close();
                throw e;
            }
        }
    }

    private static MonitorFaults.Scenario ping6Dropped(final Path dir) throws java.io.IOException {
        return Ipv6Scenario.made(new Ipv6Scenario("mp6", dir) {
            @Override
            public String name() {
                return "ping over ICMPv6, nftables drop at the target";
            }

            @Override
            public MonitorConfig monitor(final MonitorFaults.Timing t) {
                return MonitorFaults.monitor("lan6", new MonitorConfig.Ping(java.net.InetAddress.ofLiteral(
                    "2001:db8::fe"), null), MonitorConfig.When.BOTH, t.failures(), t);
            }

            @Override
            public void inject() throws java.io.IOException {
                net.exec(gatewayNs, "nft", "add table inet armdmon");
                net.exec(gatewayNs, "nft", "add chain inet armdmon input { type filter hook input priority 0 ; "
                    + "policy drop ; }");
            }
        });
    }

    private static MonitorFaults.Scenario pingLinkLocalDown(final Path dir) throws java.io.IOException {
        return Ipv6Scenario.made(new Ipv6Scenario("mp6l", dir) {
            @Override
            public String name() {
                return "ping of a link-local target, its link down";
            }

            @Override
            public MonitorConfig monitor(final MonitorFaults.Timing t) {
                return MonitorFaults.monitor("gw-ll", new MonitorConfig.Ping(java.net.InetAddress.ofLiteral(
                    "fe80::fe"), "h0"), MonitorConfig.When.BOTH, t.failures(), t);
            }

            @Override
            public void inject() throws java.io.IOException {
                net.exec(gatewayNs, "ip", "link", "set", "g0", "down");
            }
        });
    }

    @Test
    void pingNoticesTheTargetNamespaceRemoved() throws Exception {
        check(MonitorFaults::pingNamespaceGone, "lan-stop", FailureAction.STOP, "192.0.2.254");
    }

    @Test
    void nfsNoticesTheServerAddressGone() throws Exception {
        check(MonitorFaults::nfsAddressGone, "nfs", FailureAction.FAILOVER, "no reply from 192.0.2.20");
    }

    @Test
    void linkNoticesThePeerSetDown() throws Exception {
        check(MonitorFaults::linkDown, "nic", FailureAction.FAILOVER, "link h0 lost its carrier");
    }

    @Test
    void ipNoticesTheAddressRemovedBySomeoneElse() throws Exception {
        check(MonitorFaults::ipRemoved, "vip", FailureAction.FAILOVER, "203.0.113.10 was removed from h0");
    }

    @Test
    void processNoticesItsProcessKilled() throws Exception {
        check(MonitorFaults::processKilled, "daemon", FailureAction.FAILOVER, "exited");
    }

    @Test
    void scriptNoticesExitCode1() throws Exception {
        check(MonitorFaults::scriptExit1, "app", FailureAction.FAILOVER, "exited with code 1");
    }

    @Test
    void partitionNoticesAnIoError() throws Exception {
        check(MonitorFaults::partitionEio, "quorum", FailureAction.FAILOVER, "Input/output error");
    }

    @Test
    void anIpMissingAtActivationFailsTheActivation() throws Exception {
        Netns.assumeRoot();
        final MonitorConfig m = MonitorFaults.monitor("vip", new MonitorConfig.Ip(
            java.net.InetAddress.ofLiteral("203.0.113.99"), "lo"), MonitorConfig.When.ACTIVATION, 1,
            MonitorFaults.Timing.FAST);
        final MonitorFaults.Recorder events = new MonitorFaults.Recorder();
        try (MonitorEngine engine = engine(m, events, System.out)) {
            engine.groupOnline(MonitorFaults.GROUP);
            final MonitorFaults.Report r = events.next(FAIL_WITHIN_MS);
            assertEquals("failed", r.kind());
            assertEquals("ip monitor vip: at activation: 203.0.113.99 is not on lo", r.reason());
        }
    }

    @Test
    void nothingIsReportedAfterGroupOffline() throws Exception {
        Netns.assumeRoot();
        try (MonitorFaults.Scenario s = MonitorFaults.processKilled(dir)) {
            final MonitorConfig m = s.monitor(MonitorFaults.Timing.FAST);
            final MonitorFaults.Recorder events = new MonitorFaults.Recorder();
            try (MonitorEngine engine = engine(m, events, System.out)) {
                engine.groupOnline(MonitorFaults.GROUP);
                assertEquals("normalAgain", events.next(FAIL_WITHIN_MS).kind());
                engine.groupOffline(MonitorFaults.GROUP);
                s.inject();
                // well past the event and one interval: nothing may come
                assertNull(events.next(5L * m.intervalMs()));
                // and the group coming back online starts over: the process is gone
                engine.groupOnline(MonitorFaults.GROUP);
                final MonitorFaults.Report r = events.next(FAIL_WITHIN_MS);
                assertEquals("failed", r.kind());
                assertTrue(r.reason().contains("is not running"), r.reason());
            }
        }
    }

    @Test
    void aLinkMonitorOfAMissingInterfaceFailsAtOnce() throws Exception {
        Netns.assumeRoot();
        final MonitorConfig m = MonitorFaults.monitor("nic", new MonitorConfig.Link("armdnosuch0"),
            MonitorConfig.When.ONLINE, 1, MonitorFaults.Timing.FAST);
        final MonitorFaults.Recorder events = new MonitorFaults.Recorder();
        try (MonitorEngine engine = engine(m, events, System.out)) {
            engine.groupOnline(MonitorFaults.GROUP);
            final MonitorFaults.Report r = events.next(FAIL_WITHIN_MS);
            assertEquals("failed", r.kind());
            assertEquals("link monitor nic: link armdnosuch0 does not exist (any more)", r.reason());
        }
    }

    /**
     * TEST UNIT READY on a loop device: not SCSI, so the engine logs one configuration-error line and reports
     * nothing.
     */
    @Test
    void aDiskMonitorOnANonScsiDeviceIsAConfigurationError() throws Exception {
        Netns.assumeRoot();
        try (LoopDisk disk = LoopDisk.blank(4)) {
            final MonitorConfig m = MonitorFaults.monitor("shared", new MonitorConfig.Disk(disk.device()),
                MonitorConfig.When.BOTH, 3, MonitorFaults.Timing.FAST);
            final MonitorFaults.Recorder events = new MonitorFaults.Recorder();
            final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (MonitorEngine engine = engine(m, events,
                new PrintStream(bytes, true, StandardCharsets.UTF_8))) {
                engine.groupOnline(MonitorFaults.GROUP);
                final long deadlineNs = System.nanoTime() + FAIL_WITHIN_MS * 1_000_000L;
                while (!bytes.toString(StandardCharsets.UTF_8).contains("cannot work on this server")
                    && System.nanoTime() - deadlineNs < 0) {
                    assertNull(events.next(50));
                }
                final List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines()
                    .filter(l -> l.contains("cannot work")).toList();
                assertEquals(1, lines.size(), bytes.toString(StandardCharsets.UTF_8));
                assertTrue(lines.getFirst().contains("monitors-test.conf:1: monitor shared of group A cannot work on "
                    + "this server: " + disk.device() + ": TEST UNIT READY through SG_IO is not supported"),
                    lines.getFirst());
                assertNull(events.next(300));
            }
        }
    }
}
