package armd.cli;

import armd.base.Exit;
import armd.base.OperatorException;
import armd.base.Json;

import armd.config.ClusterConfig;
import armd.probe.ArpProbe;
import armd.probe.ConflictResult;
import armd.probe.ProbeOutcome;
import armd.sys.Errno;
import armd.sys.SysException;
import armd.wire.ArpPacket;

import java.io.PrintStream;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.Set;

/**
 * {@code armd probe arp ADDRESS --interface IF [--probes N --spacing MS --wait MS] [--json]}: RFC 5227 address
 * conflict detection (exit 0 free, 1 conflict, printing the holder's MAC); with {@code --announce}, sends
 * gratuitous ARP announcements ({@code --count N --spacing MS}).
 */
public final class ArpCommand implements Command {
    static final String USAGE = """
        usage: armd probe arp ADDRESS --interface IF [--probes N] [--spacing MS] [--wait MS] [--json]
               armd probe arp --announce ADDRESS --interface IF [--count N] [--spacing MS] [--json]
          Is the IPv4 ADDRESS in use on the LAN of IF? Sends RFC 5227 ARP probes (sender 0.0.0.0) and reports
          any host that answers for the address, or probes for it, with its MAC. Needs root (packet socket).
          --probes N     ARP probes to send (default 3)
          --spacing MS   time between probes (default 2; with --announce, between announcements: 100)
          --wait MS      listen this long after the last probe (default 6)
          --announce     send gratuitous ARP announcements of ADDRESS instead (sender = target = ADDRESS)
          --count N      announcements to send (default 3)
          --json         one JSON object on standard output
        exit codes: 0 free (or announced), 1 conflict, 2 usage, 3 system error""";

    private final PrintStream out;

    /** A command printing to standard output. */
    public ArpCommand() {
        this(System.out);
    }

    ArpCommand(final PrintStream out) {
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
        final String text = args.positional(0, "ADDRESS (an IPv4 address)");
        final InetAddress parsed = PingCommand.parseAddress(text);
        if (!(parsed instanceof Inet4Address v4)) {
            throw OperatorException.usage("'" + text + "' is IPv6: ARP is IPv4 only (IPv6 uses neighbour "
                + "discovery: 'armd probe ndp')");
        }
        if (v4.isAnyLocalAddress() || v4.isMulticastAddress() || v4.isLoopbackAddress()
            || text.equals("255.255.255.255")) {
            throw OperatorException.usage("'" + text + "' is not a unicast host address");
        }
        final String ifName = args.value("interface");
        if (ifName == null) {
            throw OperatorException.usage("missing --interface IF: ARP works on one interface");
        }
        PingCommand.checkInterface(ifName);
        final boolean announce = args.flag("announce");
        if (announce && (args.value("probes") != null || args.value("wait") != null)) {
            throw OperatorException.usage("--probes and --wait are for probing, not with --announce");
        }
        if (!announce && args.value("count") != null) {
            throw OperatorException.usage("--count is for --announce; probing takes --probes");
        }
        final int address = PingCommand.ipv4(v4);
        final boolean json = args.flag("json");
        final int count = args.intValue("count", ClusterConfig.Arp.DEFAULT.announcements(), 1, 100);
        final int spacingMs = args.intValue("spacing",
            announce ? ClusterConfig.Arp.DEFAULT.announceSpacingMs() : ClusterConfig.Arp.DEFAULT.probeSpacingMs(), 0,
            60_000);
        final int probes = args.intValue("probes", ClusterConfig.Arp.DEFAULT.probes(), 1, 100);
        final int waitMs = args.intValue("wait", ClusterConfig.Arp.DEFAULT.probeWaitMs(), 0, 60_000);

        final ArpProbe probe;
        try {
            probe = ArpProbe.open(ifName);
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
            final ConflictResult r = probe.probe(address, probes, spacingMs, waitMs);
            return report(r, json, false, text, ifName, ourMac, probes, spacingMs);
        }
    }

    private int report(final ConflictResult r, final boolean json, final boolean announce, final String address,
                       final String ifName, final String ourMac, final int planned, final int spacingMs) {
        final String conflictMac = r.conflictMac() < 0 ? null : ArpPacket.macToString(r.conflictMac());
        if (json) {
            final Json j = new Json().put("probe", announce ? "arp-announce" : "arp").put("address", address)
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
            throw OperatorException.system("ARP on " + ifName + ": " + r.reason() + ": " + Errno.describe(r.errno()));
        }
        if (json) {
            return r.outcome().exitCode();
        }
        final String ms = PingCommand.microsText(r.elapsedNs() / 1000);
        if (announce) {
            out.println("announced " + address + " on " + ifName + " from " + ourMac + ": " + r.sent()
                + " gratuitous ARP " + (r.sent() == 1 ? "request" : "requests, " + spacingMs + " ms apart"));
        } else if (r.outcome() == ProbeOutcome.HEALTHY) {
            out.println(address + " is free on " + ifName + " (" + r.sent() + " ARP probes " + spacingMs
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
            return OperatorException.system("ARP on " + ifName + " needs root (CAP_NET_RAW) for a packet socket");
        }
        if (errno == Errno.ENODEV) {
            return OperatorException.usage("no interface '" + ifName + "' here: see 'ip link'");
        }
        return OperatorException.system("ARP on " + ifName + ": " + e.getMessage());
    }
}
