package armd.cli;

import armd.base.Exit;
import armd.base.Json;
import armd.base.OperatorException;
import armd.config.ClusterConfig;
import armd.probe.ConflictResult;
import armd.probe.NdpProbe;
import armd.probe.ProbeOutcome;
import armd.sys.Errno;
import armd.sys.SysException;
import armd.wire.ArpPacket;
import armd.wire.RtnlAddr;

import java.io.PrintStream;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Set;

/**
 * {@code armd probe ndp ADDRESS --interface IF [--probes N --spacing MS --wait MS] [--json]}: the duplicate address
 * probe of a floating IPv6 address by neighbour discovery (RFC 4862: solicitations from :: to the solicited-node
 * group; exit 0 free, 1 conflict, printing the holder's MAC); with {@code --announce}, unsolicited neighbour
 * advertisements with the override flag ({@code --count N --spacing MS}). The counterpart of {@link ArpCommand}.
 */
public final class NdpCommand implements Command {
    static final String USAGE = """
        usage: armd probe ndp ADDRESS --interface IF [--probes N] [--spacing MS] [--wait MS] [--json]
               armd probe ndp --announce ADDRESS --interface IF [--count N] [--spacing MS] [--json]
          Is the IPv6 ADDRESS in use on the LAN of IF? Sends duplicate address probes (neighbour solicitations from
          ::, RFC 4862) and reports any host that answers for the address, or probes for it, with its MAC. Needs
          root (packet socket).
          --probes N     neighbour solicitations to send (default 3)
          --spacing MS   time between probes (default 2; with --announce, between advertisements: 100)
          --wait MS      listen this long after the last probe (default 6)
          --announce     send unsolicited neighbour advertisements of ADDRESS instead (override flag set)
          --count N      advertisements to send (default 3)
          --json         one JSON object on standard output
        exit codes: 0 free (or announced), 1 conflict, 2 usage, 3 system error""";

    private final PrintStream out;

    /** A command printing to standard output. */
    public NdpCommand() {
        this(System.out);
    }

    NdpCommand(final PrintStream out) {
        this.out = out;
    }

    @Override
    public int run(final String[] argv) {
        final Args args = Args.parse(argv, Set.of("interface", "probes", "spacing", "wait", "count"),
            Set.of("announce", "json", "help"));
        if (args.flag("help")) {
            out.println(USAGE);
            return Exit.OK;
        }
        args.maxPositionals(1);
        final String given = args.positional(0, "ADDRESS (an IPv6 address)");
        final InetAddress parsed = PingCommand.parseAddress(given);
        if (!(parsed instanceof Inet6Address v6)) {
            throw OperatorException.usage("'" + given + "' is IPv4: neighbour discovery is IPv6 only (IPv4 uses "
                + "'armd probe arp')");
        }
        if (v6.isAnyLocalAddress() || v6.isMulticastAddress() || v6.isLoopbackAddress()) {
            throw OperatorException.usage("'" + given + "' is not a unicast host address");
        }
        final String ifName = args.value("interface");
        if (ifName == null) {
            throw OperatorException.usage("missing --interface IF: neighbour discovery works on one interface");
        }
        PingCommand.checkInterface(ifName);
        final boolean announce = args.flag("announce");
        if (announce && (args.value("probes") != null || args.value("wait") != null)) {
            throw OperatorException.usage("--probes and --wait are for probing, not with --announce");
        }
        if (!announce && args.value("count") != null) {
            throw OperatorException.usage("--count is for --announce; probing takes --probes");
        }
        final String text = RtnlAddr.text(v6);
        final byte[] address = v6.getAddress();
        final boolean json = args.flag("json");
        final int count = args.intValue("count", ClusterConfig.Arp.DEFAULT.announcements(), 1, 100);
        final int spacingMs = args.intValue("spacing",
            announce ? ClusterConfig.Arp.DEFAULT.announceSpacingMs() : ClusterConfig.Arp.DEFAULT.probeSpacingMs(), 0,
            60_000);
        final int probes = args.intValue("probes", ClusterConfig.Arp.DEFAULT.probes(), 1, 100);
        final int waitMs = args.intValue("wait", ClusterConfig.Arp.DEFAULT.probeWaitMs(), 0, 60_000);

        final NdpProbe probe;
        try {
            probe = NdpProbe.open(ifName);
        } catch (SysException e) {
            throw openFailure(e, ifName);
        } catch (IllegalArgumentException e) {
            throw OperatorException.system(e.getMessage());
        }
        try (probe) {
            final String ourMac = ArpPacket.macToString(probe.mac());
            if (announce) {
                return report(probe.announce(address, count, spacingMs), json, true, text, ifName, ourMac, count,
                    spacingMs);
            }
            return report(probe.probe(address, probes, spacingMs, waitMs), json, false, text, ifName, ourMac, probes,
                spacingMs);
        }
    }

    private int report(final ConflictResult r, final boolean json, final boolean announce, final String address,
                       final String ifName, final String ourMac, final int planned, final int spacingMs) {
        final String conflictMac = r.conflictMac() < 0 ? null : ArpPacket.macToString(r.conflictMac());
        if (json) {
            final Json j = new Json().put("probe", announce ? "ndp-announce" : "ndp").put("address", address)
                .put("interface", ifName).put("mac", ourMac)
                .put("outcome", switch (r.outcome()) {
                    case HEALTHY -> announce ? "announced" : "free";
                    case FAULT -> "conflict";
                    case ERROR -> "error";
                })
                .put("sent", r.sent()).put("elapsed_us", PingCommand.micros(r.elapsedNs()));
            if (conflictMac != null) {
                j.put("conflict_mac", conflictMac).put("reason", r.reason());
            } else if (r.outcome() == ProbeOutcome.ERROR) {
                j.put("reason", r.reason() + " (" + Errno.describe(r.errno()) + ")");
            }
            out.println(j.put("exit", r.outcome().exitCode()));
        }
        if (r.outcome() == ProbeOutcome.ERROR) {
            throw OperatorException.system("neighbour discovery on " + ifName + ": " + r.reason() + ": "
                + Errno.describe(r.errno()));
        }
        if (json) {
            return r.outcome().exitCode();
        }
        final String ms = PingCommand.microsText(r.elapsedNs() / 1000);
        if (announce) {
            out.println("announced " + address + " on " + ifName + " from " + ourMac + ": " + r.sent()
                + " unsolicited neighbour " + (r.sent() == 1 ? "advertisement" : "advertisements, " + spacingMs
                + " ms apart"));
        } else if (r.outcome() == ProbeOutcome.HEALTHY) {
            out.println(address + " is free on " + ifName + " (" + r.sent() + " neighbour solicitations " + spacingMs
                + " ms apart, no answer in " + ms + " ms)");
        } else {
            out.println(address + " is " + (r.reason().equals(ConflictResult.IN_USE) ? "in use" : "being probed for")
                + " on " + ifName + " by " + conflictMac + " (after " + r.sent() + " of " + planned + " probes, "
                + ms + " ms)");
        }
        return r.outcome().exitCode();
    }

    private static OperatorException openFailure(final SysException e, final String ifName) {
        final int errno = e.errno();
        if (errno == Errno.EPERM || errno == Errno.EACCES) {
            return OperatorException.system("neighbour discovery on " + ifName + " needs root (CAP_NET_RAW) for a "
                + "packet socket");
        }
        if (errno == Errno.ENODEV) {
            return OperatorException.usage("no interface '" + ifName + "' here: see 'ip link'");
        }
        return OperatorException.system("neighbour discovery on " + ifName + ": " + e.getMessage());
    }
}
