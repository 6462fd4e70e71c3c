package armd.sys.packet;

import armd.sys.Errno;
import armd.sys.Libc;
import armd.sys.SockAddr;
import armd.sys.SysException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * A non-blocking AF_PACKET socket (SOCK_DGRAM: the kernel adds and strips the link-layer header) bound to one
 * interface and one ethertype, for ARP and for IPv6 neighbour discovery. It only moves bytes:
 * {@code armd.wire.ArpPacket} and {@code armd.wire.Ndp} build and read the frames in {@link #sendBuffer()} and
 * {@link #receiveBuffer()}, views of native memory allocated once, so sending, waiting and receiving allocate
 * nothing. Needs CAP_NET_RAW.
 *
 * <p>Not thread-safe: one prober uses it at a time. The socket stays in the network namespace it was
 * opened in.
 */
public final class PacketSocket implements AutoCloseable {
    // linux/if_ether.h
    /** ETH_P_ARP: the ARP ethertype. */
    public static final int ETH_P_ARP = 0x0806;
    /** ETH_P_IPV6: the IPv6 ethertype (neighbour discovery travels in IPv6 packets). */
    public static final int ETH_P_IPV6 = 0x86DD;
    // linux/socket.h, linux/net.h, linux/if_packet.h
    static final int SOCK_DGRAM = 2;
    static final int SOCK_NONBLOCK = 0x800;
    static final int SOCK_CLOEXEC = 0x80000;
    static final int SOL_PACKET = 263;
    static final int SOL_SOCKET = 1;
    /** linux/if_packet.h: do not deliver our own outgoing frames back to us (Linux 4.20+). */
    static final int PACKET_IGNORE_OUTGOING = 23;
    /** linux/if_packet.h: setsockopt(SOL_PACKET) with a struct packet_mreq: receive a link-layer group. */
    static final int PACKET_ADD_MEMBERSHIP = 1;
    /** packet_mreq.mr_type: an Ethernet multicast address. */
    static final int PACKET_MR_MULTICAST = 0;
    /** struct packet_mreq: mr_ifindex(4) mr_type(2) mr_alen(2) mr_address[8]. */
    static final int PACKET_MREQ_SIZE = 16;
    /** asm-generic/socket.h: setsockopt(SOL_SOCKET) with a struct sock_fprog: a classic BPF filter. */
    static final int SO_ATTACH_FILTER = 26;
    /** struct sock_fprog (linux/filter.h), 64-bit: len(2) pad(6) filter(8). */
    static final int SOCK_FPROG_SIZE = 16;
    /** struct sock_filter: code(2) jt(1) jf(1) k(4). */
    static final int SOCK_FILTER_SIZE = 8;
    /** sockaddr_ll.sll_pkttype of a frame we sent (linux/if_packet.h PACKET_OUTGOING). */
    public static final int PACKET_OUTGOING = 4;
    // linux/sockios.h, linux/if.h, linux/if_arp.h
    /** SIOCGIFHWADDR: read an interface's hardware address into struct ifreq. */
    static final long SIOCGIFHWADDR = 0x8927;
    /** IFNAMSIZ: interface names are at most 15 bytes plus NUL. */
    public static final int IFNAMSIZ = 16;
    /** sizeof(struct ifreq) on 64-bit: ifr_name[16] + a 24-byte union. */
    static final int IFREQ_SIZE = 40;
    /** offsetof(struct ifreq, ifr_hwaddr): a struct sockaddr (sa_family, sa_data[14]). */
    static final int IFREQ_HWADDR_OFFSET = 16;
    /** ARPHRD_ETHER: the hardware type of Ethernet (and veth, bridges, bonds...). */
    public static final int ARPHRD_ETHER = 1;
    /** sockaddr_ll field offsets (linux/if_packet.h). */
    static final int SLL_PKTTYPE_OFFSET = 10;
    static final int SLL_HALEN_OFFSET = 11;
    static final int SLL_ADDR_OFFSET = 12;
    // poll.h: struct pollfd
    static final int POLLFD_SIZE = 8;
    static final int POLLFD_EVENTS_OFFSET = 4;
    static final int POLLFD_REVENTS_OFFSET = 6;
    static final short POLLIN = 0x1;

    /** Send buffer capacity: an ARP message is 28 bytes; room for a full Ethernet payload anyway. */
    public static final int SEND_CAPACITY = 1500;
    /** Receive buffer capacity: anything longer is truncated (ARP needs 28 bytes). */
    public static final int RECEIVE_CAPACITY = 1500;

    private final Arena arena;
    private final int fd;
    private final String interfaceName;
    private final int ifIndex;
    private final int hardwareType;
    private final long hardwareAddress;
    private final MemorySegment send;
    private final MemorySegment receive;
    private final MemorySegment broadcastAddr;
    /** A sockaddr_ll whose destination hardware address {@link #sendTo} rewrites for each frame. */
    private final MemorySegment unicastAddr;
    private final MemorySegment fromAddr;
    private final MemorySegment fromLen;
    private final MemorySegment pollFd;
    private final ByteBuffer sendView;
    private final ByteBuffer receiveView;

    private PacketSocket(final Arena arena, final int fd, final String interfaceName, final int ifIndex,
                         final int ethertype, final int hardwareType, final long hardwareAddress) {
        this.arena = arena;
        this.fd = fd;
        this.interfaceName = interfaceName;
        this.ifIndex = ifIndex;
        this.hardwareType = hardwareType;
        this.hardwareAddress = hardwareAddress;
        this.send = arena.allocate(SEND_CAPACITY, 8);
        this.receive = arena.allocate(RECEIVE_CAPACITY, 8);
        this.broadcastAddr = arena.allocate(SockAddr.SOCKADDR_LL_SIZE, 8);
        SockAddr.writeLl(broadcastAddr, ethertype, ifIndex,
            new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff});
        this.unicastAddr = arena.allocate(SockAddr.SOCKADDR_LL_SIZE, 8);
        SockAddr.writeLl(unicastAddr, ethertype, ifIndex, new byte[6]);
        this.fromAddr = arena.allocate(SockAddr.SOCKADDR_LL_SIZE, 8);
        this.fromLen = arena.allocate(ValueLayout.JAVA_INT);
        this.pollFd = arena.allocate(POLLFD_SIZE, 4);
        pollFd.set(ValueLayout.JAVA_INT, 0, fd);
        pollFd.set(ValueLayout.JAVA_SHORT, POLLFD_EVENTS_OFFSET, POLLIN);
        this.sendView = send.asByteBuffer().order(ByteOrder.BIG_ENDIAN);
        this.receiveView = receive.asByteBuffer().order(ByteOrder.BIG_ENDIAN);
    }

    /**
     * The index of interface {@code name} in the caller's network namespace, or -errno (-ENODEV when there
     * is no such interface). Allocates: for setup and argument checks.
     */
    public static int interfaceIndex(final String name) {
        final byte[] bytes = name.getBytes(StandardCharsets.US_ASCII);
        if (bytes.length == 0 || bytes.length >= IFNAMSIZ) {
            return -Errno.ENODEV;
        }
        try (Arena a = Arena.ofConfined()) {
            final MemorySegment s = a.allocate(bytes.length + 1L);
            MemorySegment.copy(bytes, 0, s, ValueLayout.JAVA_BYTE, 0, bytes.length);
            return Libc.ifNameToIndex(s);
        }
    }

    /**
     * Opens a packet socket on {@code interfaceName} that receives frames of {@code ethertype} (e.g.
     * {@link #ETH_P_ARP}) and reads the interface's hardware address.
     *
     * @throws SysException naming the call and the errno (ENODEV: no such interface; EPERM: not root)
     */
    public static PacketSocket open(final String interfaceName, final int ethertype) {
        final int ifIndex = Errno.check(interfaceIndex(interfaceName), "if_nametoindex", interfaceName);
        // protocol 0: receive nothing until bind() names the ethertype and the interface, so no frame from
        // another interface can slip in between socket() and bind()
        final int fd = Errno.check(Libc.socket(SockAddr.AF_PACKET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0),
            "socket(AF_PACKET)", interfaceName);
        final Arena arena = Arena.ofShared();
        try {
            final MemorySegment ll = arena.allocate(SockAddr.SOCKADDR_LL_SIZE, 8);
            SockAddr.writeLl(ll, ethertype, ifIndex, null);
            Errno.check(Libc.bind(fd, ll, SockAddr.SOCKADDR_LL_SIZE), "bind(AF_PACKET)", interfaceName);
            final MemorySegment one = arena.allocate(ValueLayout.JAVA_INT);
            one.set(ValueLayout.JAVA_INT, 0, 1);
            // optional (Linux 4.20+): the ARP codec ignores our own frames anyway
            Libc.setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, one, 4);
            final MemorySegment ifr = arena.allocate(IFREQ_SIZE, 8);
            final byte[] name = interfaceName.getBytes(StandardCharsets.US_ASCII);
            MemorySegment.copy(name, 0, ifr, ValueLayout.JAVA_BYTE, 0, name.length);
            Errno.check(Libc.ioctl(fd, SIOCGIFHWADDR, ifr), "ioctl SIOCGIFHWADDR", interfaceName);
            final int type = Short.toUnsignedInt(ifr.get(ValueLayout.JAVA_SHORT_UNALIGNED, IFREQ_HWADDR_OFFSET));
            long mac = 0;
            for (int i = 0; i < 6; i++) {
                mac = (mac << 8) | Byte.toUnsignedLong(ifr.get(ValueLayout.JAVA_BYTE, IFREQ_HWADDR_OFFSET + 2L + i));
            }
            return new PacketSocket(arena, fd, interfaceName, ifIndex, ethertype, type, mac);
        } catch (RuntimeException | Error e) {
            Libc.close(fd);
            arena.close();
            throw e;
        }
    }

    /** The interface name. */
    public String interfaceName() {
        return interfaceName;
    }

    /** The interface index. */
    public int ifIndex() {
        return ifIndex;
    }

    /** The interface's hardware type (linux/if_arp.h ARPHRD_*); ARP needs {@link #ARPHRD_ETHER}. */
    public int hardwareType() {
        return hardwareType;
    }

    /** The interface's 48-bit hardware address in the low bits, first octet most significant. */
    public long hardwareAddress() {
        return hardwareAddress;
    }

    /** The send buffer (big-endian view of native memory, capacity {@link #SEND_CAPACITY}). */
    public ByteBuffer sendBuffer() {
        return sendView;
    }

    /** The receive buffer (big-endian view of native memory, capacity {@link #RECEIVE_CAPACITY}). */
    public ByteBuffer receiveBuffer() {
        return receiveView;
    }

    /** Broadcasts the first {@code length} bytes of the send buffer (ff:ff:ff:ff:ff:ff): bytes sent, or -errno. */
    public long sendBroadcast(final int length) {
        return Libc.sendto(fd, send, length, 0, broadcastAddr, SockAddr.SOCKADDR_LL_SIZE);
    }

    /**
     * Sends the first {@code length} bytes of the send buffer to the hardware address {@code mac} (48 bits, e.g. an
     * IPv6 multicast group's 33:33:...): bytes sent, or -errno. Allocates nothing.
     */
    public long sendTo(final int length, final long mac) {
        for (int i = 0; i < 6; i++) {
            unicastAddr.set(ValueLayout.JAVA_BYTE, SLL_ADDR_OFFSET + (long) i, (byte) (mac >>> (40 - 8 * i)));
        }
        return Libc.sendto(fd, send, length, 0, unicastAddr, SockAddr.SOCKADDR_LL_SIZE);
    }

    /**
     * Receives frames sent to the Ethernet multicast address {@code mac} too (PACKET_ADD_MEMBERSHIP: the interface's
     * filter lets them in while this socket is open), e.g. the solicited-node group of an address this host does not
     * hold yet. Throws {@link SysException}.
     */
    public void addMembership(final long mac) {
        try (Arena a = Arena.ofConfined()) {
            final MemorySegment mreq = a.allocate(PACKET_MREQ_SIZE, 8);
            mreq.set(ValueLayout.JAVA_INT, 0, ifIndex);
            mreq.set(ValueLayout.JAVA_SHORT, 4, (short) PACKET_MR_MULTICAST);
            mreq.set(ValueLayout.JAVA_SHORT, 6, (short) 6);
            for (int i = 0; i < 6; i++) {
                mreq.set(ValueLayout.JAVA_BYTE, 8 + i, (byte) (mac >>> (40 - 8 * i)));
            }
            Errno.check(Libc.setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, mreq, PACKET_MREQ_SIZE),
                "setsockopt PACKET_ADD_MEMBERSHIP", interfaceName);
        }
    }

    /**
     * Attaches a classic BPF program (SO_ATTACH_FILTER): each instruction a struct sock_filter packed in a long (code
     * in bits 63-48, jt 47-40, jf 39-32, k 31-0), run on each frame from its network header. Frames queued before it
     * are not filtered: drain them. Throws {@link SysException}.
     */
    public void attachFilter(final long[] program) {
        try (Arena a = Arena.ofConfined()) {
            final MemorySegment insns = a.allocate((long) SOCK_FILTER_SIZE * program.length, 8);
            for (int i = 0; i < program.length; i++) {
                final long at = (long) i * SOCK_FILTER_SIZE;
                insns.set(ValueLayout.JAVA_SHORT, at, (short) (program[i] >>> 48));
                insns.set(ValueLayout.JAVA_BYTE, at + 2, (byte) (program[i] >>> 40));
                insns.set(ValueLayout.JAVA_BYTE, at + 3, (byte) (program[i] >>> 32));
                insns.set(ValueLayout.JAVA_INT, at + 4, (int) program[i]);
            }
            final MemorySegment fprog = a.allocate(SOCK_FPROG_SIZE, 8);
            fprog.set(ValueLayout.JAVA_SHORT, 0, (short) program.length);
            fprog.set(ValueLayout.ADDRESS, 8, insns);
            Errno.check(Libc.setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, fprog, SOCK_FPROG_SIZE),
                "setsockopt SO_ATTACH_FILTER", interfaceName);
        }
    }

    /**
     * Receives one frame's payload into the receive buffer: its length, 0 when none is waiting, or -errno.
     * {@link #lastPacketType()} then tells whether the frame was our own outgoing one.
     */
    public long receive() {
        fromLen.set(ValueLayout.JAVA_INT, 0, SockAddr.SOCKADDR_LL_SIZE);
        final long n = Libc.recvfrom(fd, receive, RECEIVE_CAPACITY, 0, fromAddr, fromLen);
        if (n == -Errno.EAGAIN || n == -Errno.EINTR) {
            return 0;
        }
        return n;
    }

    /** sockaddr_ll.sll_pkttype of the last frame received (0 host, 1 broadcast, 4 outgoing...). */
    public int lastPacketType() {
        return Byte.toUnsignedInt(fromAddr.get(ValueLayout.JAVA_BYTE, SLL_PKTTYPE_OFFSET));
    }

    /** Link-layer source address of the last frame received (48 bits), as the kernel reported it. */
    public long lastSourceAddress() {
        final int len = Math.min(6, Byte.toUnsignedInt(fromAddr.get(ValueLayout.JAVA_BYTE, SLL_HALEN_OFFSET)));
        long mac = 0;
        for (int i = 0; i < len; i++) {
            mac = (mac << 8) | Byte.toUnsignedLong(fromAddr.get(ValueLayout.JAVA_BYTE, SLL_ADDR_OFFSET + (long) i));
        }
        return mac;
    }

    /** Waits up to {@code timeoutMs} for a frame: 1 readable, 0 timed out or interrupted, or -errno. */
    public int await(final int timeoutMs) {
        pollFd.set(ValueLayout.JAVA_SHORT, POLLFD_REVENTS_OFFSET, (short) 0);
        final int rc = Libc.poll(pollFd, 1, timeoutMs);
        return rc == -Errno.EINTR ? 0 : rc;
    }

    @Override
    public void close() {
        Libc.close(fd);
        arena.close();
    }
}
