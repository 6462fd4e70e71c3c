package armd.resource;

import armd.config.ClusterConfig;
import armd.probe.AddressProbe;
import armd.probe.ConflictResult;
import armd.probe.ProbeOutcome;
import armd.sys.Errno;
import armd.sys.SysException;
import armd.sys.netlink.AddressResult;
import armd.sys.netlink.InterfaceAddress;
import armd.sys.netlink.Rtnetlink;
import armd.wire.ArpPacket;
import armd.wire.Rtnl;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * A floating IPv4 or IPv6 address (docs/behaviour.md#floating-ip): the subnet check, the conflict probe with retries
 * (RFC 5227 ARP for IPv4, duplicate address probes by neighbour discovery for IPv6), the rtnetlink add (IPv6 without
 * the kernel's own duplicate address detection: the probe has done it) and the announcements (gratuitous ARP,
 * unsolicited neighbour advertisements); released by removing the address.
 *
 * <p>GroupContext fails on a wrong network address (the interface has no address in the floating IP's subnet,
 * unless {@code any-subnet}) or when the address is still in use after the configured retries; each conflict
 * is logged. The retry wait blocks only this group's worker thread.
 */
final class FloatingIpResource implements GroupResource {
    private final ClusterConfig.FloatingIp ip;
    /** An activation this soon after a holder probe found the address free does not probe it again. */
    static final long FRESH_PROBE_NS = 500_000_000L;

    /** The address is ours (set once added, cleared at release): background announcements stop when it clears. */
    private volatile boolean active;
    /** When {@link #holder()} last found the address free (0: never); worker thread only. */
    private long freeAtNs;
    /** The last activation failed because the address answered from another host; worker thread only. */
    private boolean conflicted;
    private boolean takeover;

    FloatingIpResource(final ClusterConfig.FloatingIp ip) {
        this.ip = ip;
    }

    @Override
    public ClusterConfig.FloatingIp config() {
        return ip;
    }

    /**
     * Whether the next activation is a takeover decided on a holder probe that found the address free: a conflict
     * then means the holder is back, and goes to the decision core at once (which decides again) instead of being
     * retried here for conflict-retries x conflict-retry-interval (the group "starting" all that time). Worker
     * thread only.
     */
    void takeover(final boolean afterHolderProbe) {
        takeover = afterHolderProbe;
    }

    /** The next activation probes the address itself, whatever a holder probe found before. */
    void forgetProbe() {
        freeAtNs = 0;
    }

    /** Whether the last {@link #activate} failed because the address answered from another host. */
    boolean conflicted() {
        return conflicted;
    }

    @Override
    public String activate(final GroupContext a) {
        conflicted = false;
        final long startNs = System.nanoTime();
        final String where = ip.cidr() + " on " + ip.interfaceName();
        final int ifIndex = Rtnetlink.ifIndex(ip.interfaceName());
        if (ifIndex < 0) {
            return "floating IP " + where + ": interface " + ip.interfaceName() + " does not exist on this server "
                + "(" + Errno.describe(-ifIndex) + "): fix 'interface' of [resource " + ip.name() + "]";
        }
        try (Rtnetlink rt = Rtnetlink.open()) {
            if (!ip.anySubnet()) {
                final String wrong = subnetProblem(rt.listAddresses(family(), ifIndex));
                if (wrong != null) {
                    return wrong;
                }
            }
            final AddressProbe probe = AddressProbe.open(ip.interfaceName(), ip.address());
            boolean handedOver = false;
            try {
                final long sinceFreeNs = System.nanoTime() - freeAtNs;
                if (freeAtNs != 0 && sinceFreeNs < FRESH_PROBE_NS) {
                    // the takeover's holder probe was this activation's conflict check
                    a.log(ip.name(), where + ": probed free " + sinceFreeNs / 1_000_000 + " ms ago by the takeover"
                        + " check; not probed again");
                } else {
                    final String conflict = probeUntilFree(a, probe);
                    if (conflict != null) {
                        return conflict;
                    }
                }
                freeAtNs = 0;
                final AddressResult added = rt.addAddress(ifIndex, ip.address().getAddress(), ip.prefixLen());
                switch (added) {
                    case DONE -> {
                    }
                    case EXISTS -> a.log(ip.name(), where + " is already present (left from an earlier run, or "
                        + "added by hand): keeping it");
                    case NO_DEVICE -> {
                        return "floating IP " + where + ": the interface disappeared during activation";
                    }
                    case INVALID_PREFIX -> {
                        final String why = rt.lastErrorMessage();
                        return "floating IP " + where + ": the kernel refused the address"
                            + (why == null ? "" : " (" + why + ")") + ": check 'address' of [resource " + ip.name()
                            + "]";
                    }
                }
                // the first announcement now; the rest in the background, so the start script need not wait
                // for their spacing (every millisecond of a failover counts)
                final ConflictResult an = probe.announce(1, 0);
                if (an.outcome() != ProbeOutcome.HEALTHY) {
                    a.warning(ip.name(), probe.announcement() + " on " + ip.interfaceName() + " failed (" + an.reason()
                        + (an.errno() != 0 ? ": " + Errno.describe(an.errno()) : "") + "); the address is up, "
                        + "neighbours learn it when their " + (ip.ipv6() ? "neighbour" : "ARP") + " cache entries "
                        + "expire");
                }
                final int more = ip.arp().announcements() - 1;
                active = true;
                if (more > 0 && an.outcome() == ProbeOutcome.HEALTHY) {
                    announceLater(probe, more);
                    handedOver = true;
                }
                a.log(ip.name(), where + " is up (probed free, " + (added == AddressResult.DONE ? "added" : "kept")
                    + ", " + probe.announcement() + " sent" + (more > 0 ? ", " + more + " more follow" : "") + ") in "
                    + (System.nanoTime() - startNs) / 1_000_000 + " ms");
                return null;
            } finally {
                if (!handedOver) {
                    probe.close();
                }
            }
        } catch (SysException | IllegalArgumentException e) {
            return "floating IP " + where + ": " + e.getMessage();
        }
    }

    /**
     * Sends {@code count} more announcements, spaced as configured, on a thread of their own, then closes
     * {@code probe} (its socket was opened in the group's network namespace, so any thread can use it). Stops
     * early when the address is released meanwhile: a stopped group announces nothing.
     */
    private void announceLater(final AddressProbe probe, final int count) {
        Thread.ofPlatform().name("armd-garp-" + ip.name()).daemon().start(() -> {
            try {
                for (int i = 0; i < count && active; i++) {
                    LockSupport.parkNanos(ip.arp().announceSpacingMs() * 1_000_000L);
                    if (active) {
                        probe.announce(1, 0);
                    }
                }
            } finally {
                probe.close();
            }
        });
    }

    /**
     * One probe of the address (the configured schedule, no retries): null when nothing answered for it, else who
     * did, e.g. "192.0.2.100 answered by 02:00:00:00:00:0a", or why the probe could not tell (then the caller
     * must not take the address: the safe side). Asked before a takeover; worker thread only.
     */
    String holder(final GroupContext a) {
        final String what = ip.text();
        final String protocol = ip.ipv6() ? "neighbour discovery" : "ARP";
        final long startNs = System.nanoTime();
        try (AddressProbe probe = AddressProbe.open(ip.interfaceName(), ip.address())) {
            final ConflictResult r = probe.probe(ip.arp().probes(), ip.arp().probeSpacingMs(),
                ip.arp().probeWaitMs());
            a.debug(ip.name(), "holder probe of " + what + ": " + r.outcome() + " in "
                + (System.nanoTime() - startNs) / 1000 + " us");
            return switch (r.outcome()) {
                case HEALTHY -> {
                    freeAtNs = System.nanoTime();
                    yield null;
                }
                case FAULT -> what + (ConflictResult.IN_USE.equals(r.reason()) ? " answered by " : " probed by ")
                    + ArpPacket.macToString(r.conflictMac());
                case ERROR -> what + ": " + protocol + " probe on " + ip.interfaceName() + " failed (" + r.reason()
                    + (r.errno() != 0 ? ": " + Errno.describe(r.errno()) : "") + ")";
            };
        } catch (SysException | IllegalArgumentException e) {
            return what + ": " + protocol + " probe on " + ip.interfaceName() + " failed (" + e.getMessage() + ")";
        }
    }

    /**
     * Runs the activation's code once without changing anything, so that the first failover does not pay for
     * loading, linking and interpreting it (a standby's first takeover is usually its only one, and every
     * millisecond of it counts): a holder probe of the address (what a takeover asks first; an RFC 5227 probe
     * claims nothing), and an address added to interface index 0, which the kernel refuses (ENODEV) after the
     * whole request went through. Worker thread only, before any run.
     */
    void warmUp(final GroupContext a) {
        final long startNs = System.nanoTime();
        final String holder = holder(a);
        freeAtNs = 0;
        try (Rtnetlink rt = Rtnetlink.open()) {
            rt.addAddress(0, ip.address().getAddress(), ip.prefixLen());
        } catch (SysException e) {
            // only a warm-up: the activation reports its own failures
        }
        a.debug(ip.name(), "activation path warmed up in " + (System.nanoTime() - startNs) / 1000 + " us ("
            + (holder == null ? "the address is free" : holder) + ")");
    }

    @Override
    public boolean held() {
        final int ifIndex = Rtnetlink.ifIndex(ip.interfaceName());
        if (ifIndex < 0) {
            return false;
        }
        try (Rtnetlink rt = Rtnetlink.open()) {
            for (final InterfaceAddress ia : rt.listAddresses(family(), ifIndex)) {
                if (ia.address().equals(ip.address())) {
                    return true;
                }
            }
            return false;
        } catch (SysException e) {
            return false;
        }
    }

    /**
     * The group runs here and another server that ran it too has let go: the address is added again when it is
     * missing (with the usual probe), and announced. Worker thread only.
     */
    void reassert(final GroupContext a) {
        if (!held()) {
            a.log(ip.name(), ip.cidr() + " is missing on " + ip.interfaceName() + ": adding it again");
            final String failure = activate(a);
            if (failure != null) {
                a.log(ip.name(), failure);
            }
            return;
        }
        try (AddressProbe probe = AddressProbe.open(ip.interfaceName(), ip.address())) {
            probe.announce(ip.arp().announcements(), ip.arp().announceSpacingMs());
            a.log(ip.name(), ip.cidr() + " announced again (" + ip.arp().announcements() + " "
                + probe.announcement() + (ip.ipv6() && ip.arp().announcements() > 1 ? "s" : "") + ")");
        } catch (SysException | IllegalArgumentException e) {
            a.log(ip.name(), (ip.ipv6() ? "unsolicited neighbour advertisement" : "gratuitous ARP") + " on "
                + ip.interfaceName() + " failed: " + e.getMessage());
        }
    }

    /** Probes until the address is free; null when it is, else the failure line (after the last retry). */
    private String probeUntilFree(final GroupContext a, final AddressProbe probe) {
        final int tries = takeover ? 1 : ip.conflictRetries() + 1;
        for (int attempt = 1; ; attempt++) {
            final ConflictResult r = probe.probe(ip.arp().probes(), ip.arp().probeSpacingMs(), ip.arp().probeWaitMs());
            if (r.outcome() == ProbeOutcome.HEALTHY) {
                return null;
            }
            if (r.outcome() == ProbeOutcome.ERROR) {
                return "floating IP " + ip.cidr() + ": " + probe.protocol() + " probe on " + ip.interfaceName()
                    + " failed (" + r.reason()
                    + (r.errno() != 0 ? ": " + Errno.describe(r.errno()) : "") + "): check that the interface is up";
            }
            final String holder = ip.text() + " is " + r.reason() + " ("
                + ArpPacket.macToString(r.conflictMac()) + ")";
            if (attempt == tries) {
                conflicted = true;
                a.error(ip.name(), "address conflict, try " + attempt + " of " + tries + ": " + holder + "; giving up");
                return "floating IP " + ip.cidr() + ": address conflict: " + holder + " after " + tries
                    + " tries: find the host holding it (its MAC is above) and free the address, or choose another";
            }
            a.warning(ip.name(), "address conflict, try " + attempt + " of " + tries + ": " + holder + "; probing again"
                + " in " + ip.conflictRetryIntervalMs() + " ms");
            if (!a.pause(ip.conflictRetryIntervalMs())) {
                return "floating IP " + ip.cidr() + ": activation abandoned, the agent is stopping";
            }
        }
    }

    /** The floating address's family as rtnetlink numbers it. */
    private int family() {
        return ip.ipv6() ? Rtnl.AF_INET6 : Rtnl.AF_INET;
    }

    /**
     * Null when some address of the interface of the floating IP's family (other than the floating IP itself; for an
     * IPv6 address not link-local, unless the floating IP is) shares the floating IP's subnet, compared under the
     * shorter of the two prefixes; else the "wrong network address" line.
     */
    String subnetProblem(final List<InterfaceAddress> addresses) {
        final byte[] bits = ip.address().getAddress();
        final StringBuilder has = new StringBuilder();
        for (final InterfaceAddress ia : addresses) {
            final InetAddress other = ia.address();
            if (other.equals(ip.address()) || (other instanceof Inet6Address) != ip.ipv6()
                || ip.ipv6() && other.isLinkLocalAddress() && !ip.address().isLinkLocalAddress()) {
                continue;
            }
            if (sameSubnet(bits, other.getAddress(), Math.min(ip.prefixLen(), ia.prefixLen()))) {
                return null;
            }
            has.append(has.isEmpty() ? "" : ", ").append(armd.wire.RtnlAddr.text(other)).append('/')
                .append(ia.prefixLen());
        }
        return "floating IP " + ip.cidr() + ": wrong network address: " + ip.interfaceName() + " has no address in "
            + "its subnet (it has " + (has.isEmpty() ? "no " + (ip.ipv6() ? "IPv6" : "IPv4") + " address" : has)
            + "): fix 'address' or 'interface' of [resource " + ip.name() + "], or set any-subnet = yes";
    }

    /** Whether {@code a} and {@code b} (4 or 16 bytes each) agree on their first {@code prefixLen} bits. */
    static boolean sameSubnet(final byte[] a, final byte[] b, final int prefixLen) {
        if (a.length != b.length) {
            return false;
        }
        for (int bit = 0; bit < prefixLen; bit++) {
            if ((a[bit / 8] >> (7 - bit % 8) & 1) != (b[bit / 8] >> (7 - bit % 8) & 1)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void deactivate(final GroupContext a) {
        active = false;
        final String where = ip.cidr() + " on " + ip.interfaceName();
        final int ifIndex = Rtnetlink.ifIndex(ip.interfaceName());
        if (ifIndex < 0) {
            a.log(ip.name(), "interface " + ip.interfaceName() + " is gone: nothing to remove");
            return;
        }
        try (Rtnetlink rt = Rtnetlink.open()) {
            final AddressResult r = rt.deleteAddress(ifIndex, ip.address().getAddress(), ip.prefixLen());
            switch (r) {
                case DONE -> a.log(ip.name(), where + " removed");
                case NOT_FOUND -> a.log(ip.name(), where + " was not present: nothing to remove");
                case NO_DEVICE -> a.log(ip.name(), "interface " + ip.interfaceName() + " is gone: nothing to remove");
                default -> a.error(ip.name(), "removing " + where + " failed: " + r.text());
            }
        } catch (SysException e) {
            a.error(ip.name(), "removing " + where + " failed: " + e.getMessage() + "; remove it by hand with "
                + "'armd ip del " + ip.cidr() + " --interface " + ip.interfaceName() + "'");
        }
    }
}
