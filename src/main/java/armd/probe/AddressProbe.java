package armd.probe;

import java.net.Inet4Address;
import java.net.InetAddress;

/**
 * A conflict probe and announcer bound to one floating address on one interface: {@link ArpProbe} for an IPv4
 * address, {@link NdpProbe} for an IPv6 one, with the same schedule and the same {@link ConflictResult}, so the
 * floating IP resource treats both families alike. Not thread-safe; allocation-free like the probe it wraps.
 */
public interface AddressProbe extends AutoCloseable {
    /**
     * Opens the probe for {@code address} on {@code interfaceName}.
     *
     * @throws armd.sys.SysException when the packet socket cannot be opened (ENODEV, EPERM...)
     * @throws IllegalArgumentException when the interface is not Ethernet
     */
    static AddressProbe open(final String interfaceName, final InetAddress address) {
        if (address instanceof Inet4Address) {
            final byte[] b = address.getAddress();
            return new Arp(ArpProbe.open(interfaceName),
                (b[0] & 0xff) << 24 | (b[1] & 0xff) << 16 | (b[2] & 0xff) << 8 | b[3] & 0xff);
        }
        return new Nd(NdpProbe.open(interfaceName), address.getAddress());
    }

    /** Probes the address ({@code probes} probes {@code spacingMs} apart, then {@code waitMs} of listening). */
    ConflictResult probe(int probes, int spacingMs, int waitMs);

    /** Announces the address {@code count} times, {@code spacingMs} apart. */
    ConflictResult announce(int count, int spacingMs);

    /** How the address is probed, for messages: "ARP" or "neighbour discovery". */
    String protocol();

    /** What one announcement is called, for messages: "gratuitous ARP" or "unsolicited neighbour advertisement". */
    String announcement();

    @Override
    void close();

    /** An IPv4 address: RFC 5227 probes and gratuitous ARP. */
    record Arp(ArpProbe probe, int address) implements AddressProbe {
        @Override
        public ConflictResult probe(final int probes, final int spacingMs, final int waitMs) {
            return probe.probe(address, probes, spacingMs, waitMs);
        }

        @Override
        public ConflictResult announce(final int count, final int spacingMs) {
            return probe.announce(address, count, spacingMs);
        }

        @Override
        public String protocol() {
            return "ARP";
        }

        @Override
        public String announcement() {
            return "gratuitous ARP";
        }

        @Override
        public void close() {
            probe.close();
        }
    }

    /** An IPv6 address: duplicate address probes and unsolicited neighbour advertisements. */
    record Nd(NdpProbe probe, byte[] address) implements AddressProbe {
        @Override
        public ConflictResult probe(final int probes, final int spacingMs, final int waitMs) {
            return probe.probe(address, probes, spacingMs, waitMs);
        }

        @Override
        public ConflictResult announce(final int count, final int spacingMs) {
            return probe.announce(address, count, spacingMs);
        }

        @Override
        public String protocol() {
            return "neighbour discovery";
        }

        @Override
        public String announcement() {
            return "unsolicited neighbour advertisement";
        }

        @Override
        public void close() {
            probe.close();
        }
    }
}
