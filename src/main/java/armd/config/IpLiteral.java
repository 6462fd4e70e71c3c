package armd.config;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;

/**
 * A literal IPv4 or IPv6 address as the configuration writes it (no host names: no DNS at failover), with the zone
 * of a link-local IPv6 address ({@code fe80::11%eth1}: the interface it is on). Pure parsing and classification;
 * the messages that name a file and line are the parser's.
 *
 * @param address the address (an {@link Inet6Address} without scope for IPv6)
 * @param zone    the interface name after {@code %}, or null
 */
record IpLiteral(InetAddress address, String zone) {

    /**
     * Parses {@code text}: a dotted quad (four decimal numbers 0 to 255) or an IPv6 address in any RFC 4291 text form,
     * with an optional {@code %ZONE}; null when it is neither. An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is refused
     * too (see {@link #mapped}): the JDK would read it as the IPv4 address, so the family the operator wrote would be
     * lost.
     */
    static IpLiteral parse(final String text) {
        final int pct = text.indexOf('%');
        final String bare = pct < 0 ? text : text.substring(0, pct);
        final String zone = pct < 0 ? null : text.substring(pct + 1);
        if (!bare.contains(":")) {
            final byte[] b = ConfigParser.ipv4(bare);
            if (b == null || zone != null) {
                return null;
            }
            return new IpLiteral(ConfigParser.address(b), null);
        }
        if (!bare.matches("[0-9A-Fa-f:.]+")) {
            return null;
        }
        try {
            final InetAddress a = InetAddress.ofLiteral(bare);
            return a instanceof Inet6Address ? new IpLiteral(a, zone) : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** Whether {@code text} (without zone) is an IPv4-mapped IPv6 address such as ::ffff:192.0.2.1. */
    static boolean mapped(final String text) {
        final int pct = text.indexOf('%');
        final String bare = pct < 0 ? text : text.substring(0, pct);
        if (!bare.contains(":") || !bare.matches("[0-9A-Fa-f:.]+")) {
            return false;
        }
        try {
            return InetAddress.ofLiteral(bare) instanceof Inet4Address;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** Whether this is an IPv6 address. */
    boolean v6() {
        return address instanceof Inet6Address;
    }

    /** Whether this is an IPv6 link-local unicast address (fe80::/10): usable only with an interface. */
    boolean linkLocal() {
        return v6() && address.isLinkLocalAddress();
    }

    /** The address in its usual text form (IPv6 compressed as RFC 5952 writes it), without zone. */
    String text() {
        return text(address);
    }

    /** {@code a} in its usual text form: a dotted quad, or IPv6 compressed as RFC 5952 writes it. */
    static String text(final InetAddress a) {
        return a instanceof Inet6Address ? armd.wire.RtnlAddr.text(a) : a.getHostAddress();
    }

    /**
     * Why this IPv6 address cannot be a unicast host address of this kind, or null when it can: the unspecified
     * address, a multicast address. (IPv4-mapped addresses never get here: {@link #parse} refuses them.)
     */
    String notUnicast6() {
        final byte[] b = address.getAddress();
        if (address.isAnyLocalAddress()) {
            return "the unspecified address";
        }
        if ((b[0] & 0xff) == 0xff) {
            return "a multicast address";
        }
        return null;
    }

    /** Whether the bits of {@code b} after the first {@code prefixLen} are all zero. */
    static boolean hostBitsZero(final byte[] b, final int prefixLen) {
        for (int bit = prefixLen; bit < b.length * 8; bit++) {
            if ((b[bit / 8] >> (7 - bit % 8) & 1) != 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * Why IPv6 group {@code a} cannot carry heartbeats, or null when it can: a multicast address (ff00::/8) without the
     * rendezvous-point or prefix flags, of link-local (ff02::), realm-local (ff03::), admin-local (ff04::), site-local
     * (ff05::) or organization-local (ff08::) scope, and not all nodes, all routers or a solicited-node group.
     */
    static String notHeartbeatGroup6(final InetAddress a) {
        final byte[] b = a.getAddress();
        if ((b[0] & 0xff) != 0xff) {
            return "is not a multicast address (ff00::/8)";
        }
        final int flags = (b[1] & 0xf0) >>> 4;
        final int scope = b[1] & 0x0f;
        if (flags > 1) {
            return "has flags " + flags + " (rendezvous point or prefix-based): use a plain group such as ff02::a12d";
        }
        switch (scope) {
            case 1 -> {
                return "has interface-local scope: it never leaves this host; use a link-local (ff02::) or site-local "
                    + "(ff05::) group";
            }
            case 0xe -> {
                return "has global scope: heartbeats stay on the cluster's networks; use a link-local (ff02::) or "
                    + "site-local (ff05::) group";
            }
            case 2, 3, 4, 5, 8 -> {
                // usable
            }
            default -> {
                return "has a reserved or unassigned scope (" + Integer.toHexString(scope) + "): use a link-local "
                    + "(ff02::) or site-local (ff05::) group";
            }
        }
        boolean smallId = true;
        for (int i = 2; i < 15; i++) {
            smallId &= b[i] == 0;
        }
        if (smallId && flags == 0 && (b[15] == 1 || b[15] == 2)) {
            return "is the all-" + (b[15] == 1 ? "nodes" : "routers") + " group: choose a group of the cluster's own, "
                + "e.g. ff02::a12d";
        }
        boolean solicited = (b[11] & 0xff) == 1 && (b[12] & 0xff) == 0xff;
        for (int i = 2; i < 11 && solicited; i++) {
            solicited = b[i] == 0;
        }
        if (solicited && scope == 2) {
            return "is a solicited-node group (ff02::1:ff00:0/104), neighbour discovery's: choose a group of the "
                + "cluster's own, e.g. ff02::a12d";
        }
        return null;
    }
}
