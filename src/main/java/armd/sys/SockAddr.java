package armd.sys;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteOrder;

/**
 * Socket address structures (linux/in.h, linux/in6.h, linux/if_packet.h), written into and read from
 * caller-owned segments so steady-state code allocates nothing. Sizes and offsets are pinned by tests.
 */
public final class SockAddr {
    public static final short AF_UNIX = 1;
    public static final short AF_INET = 2;
    public static final short AF_INET6 = 10;
    public static final short AF_NETLINK = 16;
    public static final short AF_PACKET = 17;

    /** sizeof(struct sockaddr_in): family(2) port(2, network order) addr(4) zero(8). */
    public static final int SOCKADDR_IN_SIZE = 16;
    /** sizeof(struct sockaddr_in6): family(2) port(2) flowinfo(4) addr(16) scope_id(4). */
    public static final int SOCKADDR_IN6_SIZE = 28;
    /** sizeof(struct sockaddr_ll): family(2) protocol(2) ifindex(4) hatype(2) pkttype(1) halen(1) addr(8). */
    public static final int SOCKADDR_LL_SIZE = 20;
    /** Room for any of the above (sockaddr_storage is 128). */
    public static final int SOCKADDR_STORAGE_SIZE = 128;

    private static final ValueLayout.OfShort NET_SHORT =
        ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private SockAddr() {
    }

    /** Writes a sockaddr_in for {@code addr}:{@code port} at offset 0; returns its size. */
    public static int writeIn(final MemorySegment seg, final Inet4Address addr, final int port) {
        seg.asSlice(0, SOCKADDR_IN_SIZE).fill((byte) 0);
        seg.set(ValueLayout.JAVA_SHORT_UNALIGNED, 0, AF_INET);
        seg.set(NET_SHORT, 2, (short) port);
        MemorySegment.copy(addr.getAddress(), 0, seg, ValueLayout.JAVA_BYTE, 4, 4);
        return SOCKADDR_IN_SIZE;
    }

    /** Writes a sockaddr_in6 for {@code addr}:{@code port} at offset 0; returns its size. */
    public static int writeIn6(final MemorySegment seg, final Inet6Address addr, final int port) {
        seg.asSlice(0, SOCKADDR_IN6_SIZE).fill((byte) 0);
        seg.set(ValueLayout.JAVA_SHORT_UNALIGNED, 0, AF_INET6);
        seg.set(NET_SHORT, 2, (short) port);
        MemorySegment.copy(addr.getAddress(), 0, seg, ValueLayout.JAVA_BYTE, 8, 16);
        seg.set(ValueLayout.JAVA_INT_UNALIGNED, 24, addr.getScopeId());
        return SOCKADDR_IN6_SIZE;
    }

    /** Writes the sockaddr for {@code addr} (v4 or v6) and {@code port}; returns its size. */
    public static int write(final MemorySegment seg, final InetAddress addr, final int port) {
        if (addr instanceof Inet4Address v4) {
            return writeIn(seg, v4, port);
        }
        return writeIn6(seg, (Inet6Address) addr, port);
    }

    /** The address family stored at offset 0. */
    public static short family(final MemorySegment seg) {
        return seg.get(ValueLayout.JAVA_SHORT_UNALIGNED, 0);
    }

    /** The port (host order) of a sockaddr_in or sockaddr_in6. */
    public static int port(final MemorySegment seg) {
        return Short.toUnsignedInt(seg.get(NET_SHORT, 2));
    }

    /** The IPv4 address of a sockaddr_in as an int in network order (no allocation). */
    public static int inAddr(final MemorySegment seg) {
        return seg.get(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN), 4);
    }

    /** Reads the address of a sockaddr_in/in6 (allocates: for error paths and output). */
    public static InetAddress readAddress(final MemorySegment seg) {
        try {
            if (family(seg) == AF_INET) {
                return InetAddress.getByAddress(seg.asSlice(4, 4).toArray(ValueLayout.JAVA_BYTE));
            }
            return InetAddress.getByAddress(seg.asSlice(8, 16).toArray(ValueLayout.JAVA_BYTE));
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Writes a sockaddr_ll: {@code protocol} is the ethertype in host order (stored in network order),
     * {@code mac} the destination hardware address (6 bytes) or null for a bind.
     */
    public static int writeLl(final MemorySegment seg, final int protocol, final int ifIndex, final byte[] mac) {
        seg.asSlice(0, SOCKADDR_LL_SIZE).fill((byte) 0);
        seg.set(ValueLayout.JAVA_SHORT_UNALIGNED, 0, AF_PACKET);
        seg.set(NET_SHORT, 2, (short) protocol);
        seg.set(ValueLayout.JAVA_INT_UNALIGNED, 4, ifIndex);
        if (mac != null) {
            seg.set(ValueLayout.JAVA_BYTE, 11, (byte) mac.length);
            MemorySegment.copy(mac, 0, seg, ValueLayout.JAVA_BYTE, 12, mac.length);
        }
        return SOCKADDR_LL_SIZE;
    }
}
