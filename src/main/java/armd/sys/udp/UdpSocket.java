package armd.sys.udp;

import armd.sys.Clock;
import armd.sys.Errno;
import armd.sys.Libc;
import armd.sys.SockAddr;
import armd.sys.SysException;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A UDP socket for heartbeats, IPv4 or IPv6 (IPV6_V6ONLY: an IPv6 socket carries IPv6 alone): non-blocking,
 * close-on-exec, with the kernel's receive timestamp (SO_TIMESTAMPNS) on every datagram. Each option method sets the
 * IPv4 or the IPv6 option by the socket's family (IP_TOS or IPV6_TCLASS, IP_MULTICAST_IF or IPV6_MULTICAST_IF...). A
 * link-local IPv6 address (bind, connect, destination) carries its interface as its scope id. Setup methods throw
 * {@link SysException}; the data path ({@link #sendTo}, {@link #send}, {@link #receive}) returns results, allocates
 * nothing, and copies through native buffers owned by the socket.
 *
 * <p>Threads: one thread may send while another receives (the buffers are separate); setup happens before
 * either starts. {@link #fd()} is for the caller's poll(2).
 */
public final class UdpSocket implements AutoCloseable {
    // socket(2) flags and levels (linux/net.h, asm-generic/fcntl.h, linux/in.h, asm-generic/socket.h)
    public static final int SOCK_DGRAM = 2;
    public static final int SOCK_NONBLOCK = 0x800;
    public static final int SOCK_CLOEXEC = 0x80000;
    public static final int SOL_SOCKET = 1;
    public static final int IPPROTO_IP = 0;
    public static final int SO_REUSEADDR = 2;
    public static final int SO_ERROR = 4;
    public static final int SO_PRIORITY = 12;
    public static final int SO_BINDTODEVICE = 25;
    /** SO_TIMESTAMPNS_OLD: 64-bit time_t on 64-bit targets; the cmsg type is the same number. */
    public static final int SO_TIMESTAMPNS = 35;
    public static final int SCM_TIMESTAMPNS = SO_TIMESTAMPNS;
    public static final int IP_TOS = 1;
    public static final int IP_MULTICAST_IF = 32;
    public static final int IP_MULTICAST_TTL = 33;
    public static final int IP_MULTICAST_LOOP = 34;
    public static final int IP_ADD_MEMBERSHIP = 35;
    public static final int IP_MULTICAST_ALL = 49;
    // linux/in6.h
    public static final int IPPROTO_IPV6 = 41;
    public static final int IPV6_MULTICAST_IF = 17;
    public static final int IPV6_MULTICAST_HOPS = 18;
    public static final int IPV6_MULTICAST_LOOP = 19;
    public static final int IPV6_ADD_MEMBERSHIP = 20;
    public static final int IPV6_V6ONLY = 26;
    public static final int IPV6_MULTICAST_ALL = 29;
    public static final int IPV6_TCLASS = 67;
    /** struct ipv6_mreq (linux/in6.h): ipv6mr_multiaddr(16) ipv6mr_ifindex(4). */
    public static final int IPV6_MREQ_SIZE = 20;
    public static final int MSG_DONTWAIT = 0x40;
    public static final int SO_RCVBUF = 8;
    public static final int SO_ATTACH_FILTER = 26;
    public static final int SO_RCVBUFFORCE = 33;
    public static final int SO_MEMINFO = 55;
    /** SK_MEMINFO_VARS (linux/sock_diag.h): u32 counters; SK_MEMINFO_DROPS is the last. */
    public static final int SK_MEMINFO_VARS = 9;
    public static final int SK_MEMINFO_DROPS = 8;
    /** struct sock_fprog (linux/filter.h): u16 len, pad(6), struct sock_filter *filter. */
    public static final int SOCK_FPROG_SIZE = 16;
    /** struct sock_filter (linux/filter.h): u16 code, u8 jt, u8 jf, u32 k. */
    public static final int SOCK_FILTER_SIZE = 8;

    /** struct ip_mreqn (linux/in.h): imr_multiaddr(4) imr_address(4) imr_ifindex(4). */
    public static final int IP_MREQN_SIZE = 12;
    /** struct iovec (linux/uio.h): iov_base(8) iov_len(8). */
    public static final int IOVEC_SIZE = 16;
    /**
     * struct user_msghdr (linux/socket.h), x86_64/aarch64: msg_name(8) msg_namelen(4) pad(4) msg_iov(8)
     * msg_iovlen(8) msg_control(8) msg_controllen(8) msg_flags(4) pad(4).
     */
    public static final int MSGHDR_SIZE = 56;
    public static final int MSGHDR_NAME = 0;
    public static final int MSGHDR_NAMELEN = 8;
    public static final int MSGHDR_IOV = 16;
    public static final int MSGHDR_IOVLEN = 24;
    public static final int MSGHDR_CONTROL = 32;
    public static final int MSGHDR_CONTROLLEN = 40;
    public static final int MSGHDR_FLAGS = 48;
    /** struct cmsghdr (linux/socket.h): cmsg_len(8, size_t) cmsg_level(4) cmsg_type(4), data at CMSG_ALIGN(16). */
    public static final int CMSGHDR_SIZE = 16;
    public static final int CMSG_LEVEL = 8;
    public static final int CMSG_TYPE = 12;
    /** CMSG_SPACE(sizeof(struct timespec)) = 16 + 16: room for two such messages and more. */
    public static final int CONTROL_SIZE = 128;

    /** The largest datagram received whole; a heartbeat frame is at most one Ethernet MTU. */
    public static final int MAX_DATAGRAM = 2048;
    /** Destinations a socket can hold (one per peer on this heartbeat network). */
    public static final int MAX_DESTINATIONS = 64;

    private static final ValueLayout.OfInt NET_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final MethodHandle GETSOCKNAME = Libc.errnoCall("getsockname",
        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS));

    private final Arena arena;
    /** The destination of a deferred connect (sender thread only), or null. */
    private MemorySegment pendingDest;
    private int pendingDestLen;
    private final int fd;
    private final String name;
    private final boolean ipv6;
    /** The size of this family's socket address: sockaddr_in or sockaddr_in6. */
    private final int addrSize;
    private final MemorySegment scratch;
    /** A socklen_t for getsockopt on the data path, made once (a slice made per call would allocate). */
    private final MemorySegment optLen;
    private final MemorySegment txSeg;
    private final ByteBuffer txView;
    private final MemorySegment destinations;
    private int destinationCount;
    private final MemorySegment rxSeg;
    private final ByteBuffer rxView;
    private final MemorySegment rxName;
    private final MemorySegment rxIov;
    private final MemorySegment rxControl;
    private final MemorySegment rxMsg;
    private int rxLength;
    private long rxRealtimeNs;
    private boolean closed;

    private UdpSocket(final int fd, final String name, final boolean ipv6) {
        this.fd = fd;
        this.name = name;
        this.ipv6 = ipv6;
        this.addrSize = ipv6 ? SockAddr.SOCKADDR_IN6_SIZE : SockAddr.SOCKADDR_IN_SIZE;
        this.arena = Arena.ofShared();
        this.scratch = arena.allocate(64, 8);
        this.optLen = scratch.asSlice(56, 4);
        this.txSeg = arena.allocate(MAX_DATAGRAM, 8);
        this.txView = txSeg.asByteBuffer();
        this.destinations = arena.allocate((long) addrSize * MAX_DESTINATIONS, 8);
        this.rxSeg = arena.allocate(MAX_DATAGRAM, 8);
        this.rxView = rxSeg.asByteBuffer();
        this.rxName = arena.allocate(addrSize, 8);
        this.rxIov = arena.allocate(IOVEC_SIZE, 8);
        this.rxControl = arena.allocate(CONTROL_SIZE, 8);
        this.rxMsg = arena.allocate(MSGHDR_SIZE, 8);
        rxIov.set(ValueLayout.ADDRESS, 0, rxSeg);
        rxIov.set(ValueLayout.JAVA_LONG, 8, MAX_DATAGRAM);
    }

    /**
     * Opens an AF_INET SOCK_DGRAM socket, non-blocking and close-on-exec, with SO_TIMESTAMPNS on;
     * {@code name} names it in error messages (e.g. "heartbeat path 0").
     */
    public static UdpSocket open(final String name) {
        return open(name, false);
    }

    /** Opens an AF_INET6 socket (IPv6 only) when {@code ipv6}, else an AF_INET one, as {@link #open(String)}. */
    public static UdpSocket open(final String name, final boolean ipv6) {
        final int fd = Errno.check(Libc.socket(ipv6 ? SockAddr.AF_INET6 : SockAddr.AF_INET,
            SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), "socket", name);
        final UdpSocket s = new UdpSocket(fd, name, ipv6);
        try {
            s.setInt(SOL_SOCKET, SO_TIMESTAMPNS, 1, "SO_TIMESTAMPNS");
            if (ipv6) {
                s.setInt(IPPROTO_IPV6, IPV6_V6ONLY, 1, "IPV6_V6ONLY");
            }
        } catch (RuntimeException e) {
            s.close();
            throw e;
        }
        return s;
    }

    /** The descriptor, for the caller's poll(2) (POLLIN; POLLERR on a connected socket's refusal). */
    public int fd() {
        return fd;
    }

    private void setInt(final int level, final int option, final int value, final String what) {
        scratch.set(ValueLayout.JAVA_INT, 0, value);
        Errno.check(Libc.setsockopt(fd, level, option, scratch, 4), "setsockopt " + what, name);
    }

    /**
     * SO_ATTACH_FILTER: the kernel runs {@code program} (classic BPF) on every datagram before it is queued and
     * drops those it returns 0 for (counted in {@link #kernelDrops()}). Attach before bind(2), so that nothing
     * unfiltered is queued.
     */
    public void attachFilter(final java.util.List<armd.wire.HeartbeatFilter.Insn> program) {
        try (Arena a = Arena.ofConfined()) {
            final MemorySegment insns = a.allocate((long) SOCK_FILTER_SIZE * program.size(), 8);
            for (int i = 0; i < program.size(); i++) {
                final armd.wire.HeartbeatFilter.Insn in = program.get(i);
                final long base = (long) SOCK_FILTER_SIZE * i;
                insns.set(ValueLayout.JAVA_SHORT, base, (short) in.code());
                insns.set(ValueLayout.JAVA_BYTE, base + 2, (byte) in.jt());
                insns.set(ValueLayout.JAVA_BYTE, base + 3, (byte) in.jf());
                insns.set(ValueLayout.JAVA_INT, base + 4, in.k());
            }
            final MemorySegment prog = a.allocate(SOCK_FPROG_SIZE, 8);
            prog.set(ValueLayout.JAVA_SHORT, 0, (short) program.size());
            prog.set(ValueLayout.ADDRESS, 8, insns);
            Errno.check(Libc.setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, prog, SOCK_FPROG_SIZE),
                "setsockopt SO_ATTACH_FILTER", name);
        }
    }

    /**
     * The receive buffer: SO_RCVBUFFORCE (root: beyond net.core.rmem_max), else SO_RCVBUF (capped by rmem_max).
     * Returns the size the kernel reports (it doubles the request for its bookkeeping).
     */
    public int receiveBuffer(final int bytes) {
        scratch.set(ValueLayout.JAVA_INT, 0, bytes);
        if (Libc.setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, scratch, 4) < 0) {
            setInt(SOL_SOCKET, SO_RCVBUF, bytes, "SO_RCVBUF");
        }
        optLen.set(ValueLayout.JAVA_INT, 0, 4);
        Errno.check(Libc.getsockopt(fd, SOL_SOCKET, SO_RCVBUF, scratch, optLen), "getsockopt SO_RCVBUF", name);
        return scratch.get(ValueLayout.JAVA_INT, 0);
    }

    /**
     * Datagrams the kernel dropped for this socket so far (SO_MEMINFO's SK_MEMINFO_DROPS): refused by its
     * filter, or no room in the receive buffer. -errno on failure. Allocation-free; the receiving thread only.
     */
    public long kernelDrops() {
        final MemorySegment info = rxControl;
        optLen.set(ValueLayout.JAVA_INT, 0, SK_MEMINFO_VARS * 4);
        final int rc = Libc.getsockopt(fd, SOL_SOCKET, SO_MEMINFO, info, optLen);
        if (rc < 0) {
            return rc;
        }
        return Integer.toUnsignedLong(info.get(ValueLayout.JAVA_INT, (long) SK_MEMINFO_DROPS * 4));
    }

    /** SO_REUSEADDR: several sockets (one per heartbeat network) bind the same group and port. */
    public void reuseAddress() {
        setInt(SOL_SOCKET, SO_REUSEADDR, 1, "SO_REUSEADDR");
    }

    /** SO_PRIORITY: the queueing priority of sent packets (0..6 without CAP_NET_ADMIN). */
    public void priority(final int priority) {
        setInt(SOL_SOCKET, SO_PRIORITY, priority, "SO_PRIORITY");
    }

    /** Whether this is an IPv6 socket. */
    public boolean ipv6() {
        return ipv6;
    }

    /** IP_TOS (IPV6_TCLASS): the DSCP/ECN byte of sent packets (e.g. 0xc0, CS6 network control). */
    public void tos(final int tos) {
        if (ipv6) {
            setInt(IPPROTO_IPV6, IPV6_TCLASS, tos, "IPV6_TCLASS");
        } else {
            setInt(IPPROTO_IP, IP_TOS, tos, "IP_TOS");
        }
    }

    /** IP_MULTICAST_TTL (IPV6_MULTICAST_HOPS): 1 keeps heartbeats on the local link. */
    public void multicastTtl(final int ttl) {
        if (ipv6) {
            setInt(IPPROTO_IPV6, IPV6_MULTICAST_HOPS, ttl, "IPV6_MULTICAST_HOPS");
        } else {
            setInt(IPPROTO_IP, IP_MULTICAST_TTL, ttl, "IP_MULTICAST_TTL");
        }
    }

    /** IP_MULTICAST_LOOP (IPV6_MULTICAST_LOOP): off, so a server does not hear itself. */
    public void multicastLoop(final boolean on) {
        if (ipv6) {
            setInt(IPPROTO_IPV6, IPV6_MULTICAST_LOOP, on ? 1 : 0, "IPV6_MULTICAST_LOOP");
        } else {
            setInt(IPPROTO_IP, IP_MULTICAST_LOOP, on ? 1 : 0, "IP_MULTICAST_LOOP");
        }
    }

    /**
     * IP_MULTICAST_ALL: off, so the socket receives only groups it joined itself, on the interface it joined
     * them on (Linux defaults to on: every socket bound to the port would hear every joined group on every
     * interface, and the heartbeat networks would no longer be independent).
     */
    public void multicastAll(final boolean on) {
        if (ipv6) {
            setInt(IPPROTO_IPV6, IPV6_MULTICAST_ALL, on ? 1 : 0, "IPV6_MULTICAST_ALL");
        } else {
            setInt(IPPROTO_IP, IP_MULTICAST_ALL, on ? 1 : 0, "IP_MULTICAST_ALL");
        }
    }

    /** SO_BINDTODEVICE: only packets through {@code ifName} (needs CAP_NET_RAW). */
    public void bindToDevice(final String ifName) {
        try (Arena a = Arena.ofConfined()) {
            final MemorySegment s = a.allocateFrom(ifName);
            Errno.check(Libc.setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, s, (int) s.byteSize()),
                "setsockopt SO_BINDTODEVICE", ifName);
        }
    }

    private static int writeMreqn(final MemorySegment seg, final Inet4Address group, final Inet4Address local,
                                  final int ifIndex) {
        seg.asSlice(0, IP_MREQN_SIZE).fill((byte) 0);
        if (group != null) {
            MemorySegment.copy(group.getAddress(), 0, seg, ValueLayout.JAVA_BYTE, 0, 4);
        }
        if (local != null) {
            MemorySegment.copy(local.getAddress(), 0, seg, ValueLayout.JAVA_BYTE, 4, 4);
        }
        seg.set(ValueLayout.JAVA_INT, 8, ifIndex);
        return IP_MREQN_SIZE;
    }

    /**
     * IP_ADD_MEMBERSHIP with a struct ip_mreqn: joins {@code group} on the interface {@code ifIndex}, or (index 0)
     * on the interface that has {@code local}. On an IPv6 socket, IPV6_ADD_MEMBERSHIP with a struct ipv6_mreq: the
     * interface is {@code ifIndex} and must be given for a link-local group ({@code local} is not used).
     */
    public void joinGroup(final InetAddress group, final InetAddress local, final int ifIndex) {
        if (ipv6) {
            scratch.asSlice(0, IPV6_MREQ_SIZE).fill((byte) 0);
            MemorySegment.copy(group.getAddress(), 0, scratch, ValueLayout.JAVA_BYTE, 0, 16);
            scratch.set(ValueLayout.JAVA_INT, 16, ifIndex);
            Errno.check(Libc.setsockopt(fd, IPPROTO_IPV6, IPV6_ADD_MEMBERSHIP, scratch, IPV6_MREQ_SIZE),
                "setsockopt IPV6_ADD_MEMBERSHIP", armd.wire.RtnlAddr.text(group) + " on " + name);
            return;
        }
        final int len = writeMreqn(scratch, (Inet4Address) group, (Inet4Address) local, ifIndex);
        Errno.check(Libc.setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, scratch, len),
            "setsockopt IP_ADD_MEMBERSHIP", armd.wire.RtnlAddr.text(group) + " on " + name);
    }

    /**
     * IP_MULTICAST_IF with a struct ip_mreqn: multicast leaves by {@code ifIndex} (or the one with {@code local}). On
     * an IPv6 socket IPV6_MULTICAST_IF with the index alone.
     */
    public void multicastInterface(final InetAddress local, final int ifIndex) {
        if (ipv6) {
            setInt(IPPROTO_IPV6, IPV6_MULTICAST_IF, ifIndex, "IPV6_MULTICAST_IF");
            return;
        }
        final int len = writeMreqn(scratch, null, (Inet4Address) local, ifIndex);
        Errno.check(Libc.setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, scratch, len),
            "setsockopt IP_MULTICAST_IF", name);
    }

    /** bind(2) to {@code addr}:{@code port} (port 0: any free port); {@code addr} of this socket's family. */
    public void bind(final InetAddress addr, final int port) {
        final int len = write(scratch, addr, port);
        Errno.check(Libc.bind(fd, scratch, len), "bind", text(addr, port));
    }

    /** The socket address of {@code addr}:{@code port}, refused when its family is not this socket's. */
    private int write(final MemorySegment seg, final InetAddress addr, final int port) {
        if ((addr instanceof Inet6Address) != ipv6) {
            throw new IllegalArgumentException(armd.wire.RtnlAddr.text(addr) + " is not an " + (ipv6 ? "IPv6" : "IPv4")
                + " address, as " + name + " needs");
        }
        return SockAddr.write(seg, addr, port);
    }

    private static String text(final InetAddress addr, final int port) {
        return addr instanceof Inet6Address ? "[" + armd.wire.RtnlAddr.text(addr) + "]:" + port
            : armd.wire.RtnlAddr.text(addr) + ":" + port;
    }

    /**
     * connect(2) to {@code addr}:{@code port}: {@link #send} then goes there, and an ICMP port unreachable from
     * it comes back as -ECONNREFUSED on the next send or receive (the peer's kernel answers while its agent is
     * gone).
     */
    public void connect(final InetAddress addr, final int port) {
        final int len = write(scratch, addr, port);
        Errno.check(Libc.connect(fd, scratch, len), "connect", text(addr, port));
    }

    /**
     * Like {@link #connect}, but where the destination is unreachable now (no route: a link down while the agent
     * starts) the connect is made later, by the first {@link #send} that finds a route; returns 0, or the -errno
     * of that deferral. Other errors throw as {@link #connect} does.
     */
    public int connectOrDefer(final InetAddress addr, final int port) {
        final MemorySegment dest = arena.allocate(64, 8);
        final int len = write(dest, addr, port);
        final int rc = Libc.connect(fd, dest, len);
        if (rc == -Errno.ENETUNREACH || rc == -Errno.EHOSTUNREACH || rc == -Errno.ENETDOWN) {
            pendingDest = dest;
            pendingDestLen = len;
            return rc;
        }
        Errno.check(rc, "connect", text(addr, port));
        return 0;
    }

    /** The bound local port (getsockname(2)). */
    public int localPort() {
        final MemorySegment c = Libc.errnoCapture();
        try (Arena a = Arena.ofConfined()) {
            final MemorySegment addr = a.allocate(SockAddr.SOCKADDR_IN6_SIZE, 8);
            final MemorySegment len = a.allocate(ValueLayout.JAVA_INT);
            len.set(ValueLayout.JAVA_INT, 0, SockAddr.SOCKADDR_IN6_SIZE);
            Errno.check(Libc.result((int) GETSOCKNAME.invokeExact(c, fd, addr, len), c), "getsockname", name);
            return SockAddr.port(addr);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    /** Registers a destination for {@link #sendTo}; returns its index. */
    public int addDestination(final InetAddress addr, final int port) {
        if (destinationCount == MAX_DESTINATIONS) {
            throw new IllegalStateException("more than " + MAX_DESTINATIONS + " destinations on " + name);
        }
        write(destinations.asSlice((long) destinationCount * addrSize, addrSize), addr, port);
        return destinationCount++;
    }

    /** Number of destinations registered. */
    public int destinationCount() {
        return destinationCount;
    }

    private boolean stage(final ByteBuffer src, final int offset, final int length) {
        if (length > MAX_DATAGRAM || length < 0) {
            return false;
        }
        txView.put(0, src, offset, length);
        return true;
    }

    /**
     * sendto(2) of {@code src[offset, offset + length)} (absolute indexes; position untouched) to destination
     * {@code index}: bytes sent or -errno (-EAGAIN when the send buffer is full, -EMSGSIZE when too long).
     */
    public int sendTo(final int index, final ByteBuffer src, final int offset, final int length) {
        if (!stage(src, offset, length)) {
            return -Errno.EMSGSIZE;
        }
        final MemorySegment dst = destinations.asSlice((long) index * addrSize, addrSize);
        return (int) Libc.sendto(fd, txSeg, length, MSG_DONTWAIT, dst, addrSize);
    }

    /** send(2) on a connected socket: bytes sent or -errno (-ECONNREFUSED: the destination port was closed). */
    public int send(final ByteBuffer src, final int offset, final int length) {
        if (pendingDest != null) {
            // connected later (connectOrDefer): until a route exists, the send fails as the connect does
            final int rc = Libc.connect(fd, pendingDest, pendingDestLen);
            if (rc != 0) {
                return rc;
            }
            pendingDest = null;
        }
        if (!stage(src, offset, length)) {
            return -Errno.EMSGSIZE;
        }
        return (int) Libc.send(fd, txSeg, length, MSG_DONTWAIT);
    }

    /**
     * Receives one datagram without blocking: 1 when one arrived ({@link #rxBuffer()}, {@link #rxLength()},
     * {@link #rxRealtimeNs()}, {@link #rxSourceAddress()} describe it), 0 when none is queued, or -errno
     * (-ECONNREFUSED on a connected socket whose peer port is closed).
     */
    public int receive() {
        rxMsg.set(ValueLayout.ADDRESS, MSGHDR_NAME, rxName);
        rxMsg.set(ValueLayout.JAVA_INT, MSGHDR_NAMELEN, addrSize);
        rxMsg.set(ValueLayout.ADDRESS, MSGHDR_IOV, rxIov);
        rxMsg.set(ValueLayout.JAVA_LONG, MSGHDR_IOVLEN, 1L);
        rxMsg.set(ValueLayout.ADDRESS, MSGHDR_CONTROL, rxControl);
        rxMsg.set(ValueLayout.JAVA_LONG, MSGHDR_CONTROLLEN, CONTROL_SIZE);
        rxMsg.set(ValueLayout.JAVA_INT, MSGHDR_FLAGS, 0);
        final long n = Libc.recvmsg(fd, rxMsg, MSG_DONTWAIT);
        if (n < 0) {
            return n == -Errno.EAGAIN ? 0 : (int) n;
        }
        rxLength = (int) n;
        rxRealtimeNs = timestampOf(rxControl, rxMsg.get(ValueLayout.JAVA_LONG, MSGHDR_CONTROLLEN));
        return 1;
    }

    /**
     * The SCM_TIMESTAMPNS value among the control messages in {@code control[0, controlLen)}, or 0 when there is
     * none. Walks cmsghdrs as CMSG_FIRSTHDR/CMSG_NXTHDR do (8-byte alignment).
     */
    public static long timestampOf(final MemorySegment control, final long controlLen) {
        long off = 0;
        while (off + CMSGHDR_SIZE <= controlLen) {
            final long len = control.get(ValueLayout.JAVA_LONG, off);
            if (len < CMSGHDR_SIZE || off + len > controlLen) {
                return 0;
            }
            if (control.get(ValueLayout.JAVA_INT, off + CMSG_LEVEL) == SOL_SOCKET
                && control.get(ValueLayout.JAVA_INT, off + CMSG_TYPE) == SCM_TIMESTAMPNS
                && len >= CMSGHDR_SIZE + Clock.TIMESPEC_SIZE) {
                return Clock.timespecNs(control, off + CMSGHDR_SIZE);
            }
            off += (len + 7) & ~7L;
        }
        return 0;
    }

    /** The native receive buffer as a direct buffer; the last datagram is at [0, {@link #rxLength()}). */
    public ByteBuffer rxBuffer() {
        return rxView;
    }

    /** Length of the last datagram received. */
    public int rxLength() {
        return rxLength;
    }

    /** The kernel's CLOCK_REALTIME receive time of the last datagram, or 0 when the kernel gave none. */
    public long rxRealtimeNs() {
        return rxRealtimeNs;
    }

    /** The last datagram's source IPv4 address, network order in an int (IPv4 sockets only). */
    public int rxSourceAddress() {
        return rxName.get(NET_INT, 4);
    }

    /** The last datagram's source port. */
    public int rxSourcePort() {
        return SockAddr.port(rxName);
    }

    /** Closes the descriptor and frees the native buffers; idempotent. Not concurrently with send/receive. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        Libc.close(fd);
        arena.close();
    }

    /** The interface index of {@code ifName} in the calling thread's network namespace. */
    public static int ifIndex(final String ifName) {
        try (Arena a = Arena.ofConfined()) {
            return Errno.check(Libc.ifNameToIndex(a.allocateFrom(ifName)), "if_nametoindex", ifName);
        }
    }
}
