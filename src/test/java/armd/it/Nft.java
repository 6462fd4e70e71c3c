package armd.it;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Test fixture: network faults made with nftables inside a test's namespaces (no netem here). Each namespace gets
 * one table of its own, {@link #TABLE}; {@link #heal} deletes it. The namespaces go with the test's fixture, so a
 * failed test leaves nothing behind.
 */
public final class Nft {
    /** The table name used in every namespace. */
    public static final String TABLE = "armd_it";

    private Nft() {
    }

    /** Drops packets arriving in {@code ns} that match {@code rule} (nft syntax, e.g. "udp dport 7405 counter drop"). */
    public static void dropIn(final Netns net, final String ns, final String rule) throws IOException {
        chain(net, ns, "inet", "in", "type filter hook input priority 0 ; policy accept ;", rule);
    }

    /** Drops packets leaving {@code ns} that match {@code rule}. */
    public static void dropOut(final Netns net, final String ns, final String rule) throws IOException {
        chain(net, ns, "inet", "out", "type filter hook output priority 0 ; policy accept ;", rule);
    }

    /**
     * Cuts bridge port {@code port} off at the bridge in namespace {@code hub}: every frame to or from it is
     * dropped (ARP included) while the port's carrier stays up, as a failed switch port or a cut uplink would:
     * frames between the port and the others, and between the port and the hub itself (an address on the bridge,
     * such as a tiebreak's gateway, is out of the port's reach too).
     */
    public static void isolatePort(final Netns net, final String hub, final String port) throws IOException {
        chain(net, hub, "bridge", "port_in_drop", "type filter hook prerouting priority 0 ; policy accept ;",
            "iifname " + port + " counter drop");
        chain(net, hub, "bridge", "port_out_drop", "type filter hook postrouting priority 0 ; policy accept ;",
            "oifname " + port + " counter drop");
    }

    private static void chain(final Netns net, final String ns, final String family, final String chain,
                              final String spec, final String rule) throws IOException {
        net.exec(ns, "nft", "add", "table", family, TABLE);
        net.exec(ns, "nft", "add", "chain", family, TABLE, chain, "{ " + spec + " }");
        final List<String> cmd = new ArrayList<>(List.of("nft", "add", "rule", family, TABLE, chain));
        cmd.addAll(List.of(rule.split(" ")));
        net.exec(ns, cmd.toArray(String[]::new));
    }

    /**
     * Adds a base chain {@code chain} of its own in {@code family} at {@code hook} ("input", "output", "forward")
     * holding {@code rules} (nft syntax, one a string): a fault that {@link #removeChain} undoes alone, leaving the
     * other faults of the namespace in place (several base chains on one hook all apply).
     */
    public static void addChain(final Netns net, final String ns, final String family, final String chain,
                                final String hook, final List<String> rules) throws IOException {
        final String spec = "type filter hook " + hook + " priority 0 ; policy accept ;";
        net.exec(ns, "nft", "add", "table", family, TABLE);
        net.exec(ns, "nft", "add", "chain", family, TABLE, chain, "{ " + spec + " }");
        for (final String rule : rules) {
            final List<String> cmd = new ArrayList<>(List.of("nft", "add", "rule", family, TABLE, chain));
            cmd.addAll(List.of(rule.split(" ")));
            net.exec(ns, cmd.toArray(String[]::new));
        }
    }

    /** Removes the chain {@link #addChain} added, with its rules. */
    public static void removeChain(final Netns net, final String ns, final String family, final String chain)
        throws IOException {
        net.exec(ns, "nft", "flush", "chain", family, TABLE, chain);
        net.exec(ns, "nft", "delete", "chain", family, TABLE, chain);
    }

    /** A rule dropping {@code percent} % of the packets it sees, each drawn at random by the kernel. */
    public static String loss(final int percent) {
        if (percent < 0 || percent > 100) {
            throw new IllegalArgumentException("loss of " + percent + " %");
        }
        return "numgen random mod 100 < " + percent + " counter drop";
    }

    /**
     * Rules for the bridge's forward hook dropping every frame from port {@code from} to port {@code to} (ARP
     * included): {@code to}'s server no longer hears {@code from}'s, the other way still works.
     */
    public static String bridgeCut(final String from, final String to) {
        return "iifname " + from + " oifname " + to + " counter drop";
    }

    /** Removes every rule this fixture added in {@code ns} (both families); nothing there is fine. */
    public static void heal(final Netns net, final String ns) throws IOException {
        for (final String family : List.of("inet", "bridge")) {
            Netns.tryRun("ip", "netns", "exec", ns, "nft", "delete", "table", family, TABLE);
        }
    }

    /** Packets dropped so far by the rules of {@code family} in {@code ns} (the first counter). */
    public static long dropped(final Netns net, final String ns, final String family) throws IOException {
        final Matcher m = Pattern.compile("counter packets (\\d+)")
            .matcher(net.exec(ns, "nft", "list", "table", family, TABLE));
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }
}
