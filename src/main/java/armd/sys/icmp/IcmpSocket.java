package armd.sys.icmp;

import armd.sys.Errno;
import armd.sys.Libc;
import armd.sys.SockAddr;
import armd.sys.SysException;
import armd.sys.packet.PacketSocket;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * A non-blocking ICMP (or ICMPv6) socket connected to one target: a raw socket (SOCK_RAW) where the process
 * may open one, else the unprivileged "ping socket" (SOCK_DGRAM, net.ipv4.ping_group_range). It only moves
 * bytes: {@code armd.wire.IcmpEcho} builds and matches the messages in {@link #sendBuffer()} and
 * {@link #receiveBuffer()}, which are views of native memory allocated once, so sending, waiting and
 * receiving allocate nothing.
 *
 * <p>Connecting makes the kernel deliver only packets from the target (raw_v4_match, ping_lookup), and the
 * raw socket's ICMP_FILTER passes only echo replies, so other traffic rarely wakes the prober. A datagram
 * socket also filters by identifier; a raw socket sees every echo reply from the target.
 *
 * <p>Not thread-safe: one prober uses it at a time. The socket stays in the network namespace it was
 * opened in.
 */
public final class IcmpSocket implements AutoCloseable {
    /** Which kind of ICMP socket. */
    public enum Kind {
        /** SOCK_RAW: needs CAP_NET_RAW; receives the IPv4 header in front of the ICMP message. */
        RAW,
        /**
         * SOCK_DGRAM "ping socket": unprivileged (net.ipv4.ping_group_range); the kernel overwrites the
         * identifier with the socket's own and delivers only replies carrying it.
         */
        DATAGRAM
    }

    // linux/socket.h, linux/net.h, linux/in.h, asm-generic/socket.h (x86_64 and aarch64 alike)
    static final int SOCK_DGRAM = 2;
    static final int SOCK_RAW = 3;
    static final int SOCK_NONBLOCK = 0x800;
    static final int SOCK_CLOEXEC = 0x80000;
    static final int IPPROTO_ICMP = 1;
    static final int IPPROTO_ICMPV6 = 58;
    static final int SOL_SOCKET = 1;
    static final int SO_BINDTODEVICE = 25;
    /** linux/in.h: SOL_RAW for ICMP_FILTER. */
    static final int SOL_RAW = 255;
    /** linux/icmp.h: struct icmp_filter { __u32 data; }, bit set = type dropped. */
    static final int ICMP_FILTER = 1;
    /** linux/icmpv6.h: struct icmp6_filter { __u32 data[8]; }, bit set = type dropped; level IPPROTO_ICMPV6. */
    static final int ICMP6_FILTER = 1;
    static final int ICMP6_FILTER_SIZE = 32;
    /** poll.h: struct pollfd { int fd; short events; short revents; }. */
    static final int POLLFD_SIZE = 8;
    static final int POLLFD_EVENTS_OFFSET = 4;
    static final int POLLFD_REVENTS_OFFSET = 6;
    static final short POLLIN = 0x1;

    /** Largest message we build: 8-byte header plus our payload; generous. */
    public static final int SEND_CAPACITY = 256;
    /** IPv4 header (up to 60) plus an echo reply; longer replies (someone else's big ping) are truncated. */
    public static final int RECEIVE_CAPACITY = 2048;

    private final Arena arena;
    private final int fd;
    private final Kind kind;
    private final boolean ipv6;
    private final MemorySegment dest;
    private final int destLen;
    private final MemorySegment send;
    private final MemorySegment receive;
    private final MemorySegment pollFd;
    private final ByteBuffer sendView;
    private final ByteBuffer receiveView;
    private final String target;

    private IcmpSocket(final Arena arena, final int fd, final Kind kind, final boolean ipv6,
                       final MemorySegment dest, final int destLen, final String target) {
        this.arena = arena;
        this.fd = fd;
        this.kind = kind;
        this.ipv6 = ipv6;
        this.dest = dest;
        this.destLen = destLen;
        this.target = target;
        this.send = arena.allocate(SEND_CAPACITY, 8);
        this.receive = arena.allocate(RECEIVE_CAPACITY, 8);
        this.pollFd = arena.allocate(POLLFD_SIZE, 4);
        pollFd.set(ValueLayout.JAVA_INT, 0, fd);
        pollFd.set(ValueLayout.JAVA_SHORT, POLLFD_EVENTS_OFFSET, POLLIN);
        this.sendView = send.asByteBuffer().order(ByteOrder.BIG_ENDIAN);
        this.receiveView = receive.asByteBuffer().order(ByteOrder.BIG_ENDIAN);
    }

    /**
     * Opens a socket of {@code kind} (null: raw when permitted, else datagram) connected to {@code target},
     * bound to {@code interfaceName} with SO_BINDTODEVICE when it is not null.
     *
     * @throws SysException naming the call and the errno (EPERM/EACCES: not permitted; ENODEV: no such
     *                      interface; ENETUNREACH: no route)
     */
    public static IcmpSocket open(final InetAddress target, final String interfaceName, final Kind kind) {
        final boolean v6 = target instanceof Inet6Address;
        final int domain = v6 ? SockAddr.AF_INET6 : SockAddr.AF_INET;
        final int protocol = v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP;
        final String what = armd.wire.RtnlAddr.text(target);
        Kind chosen = kind == null ? Kind.RAW : kind;
        int fd = Libc.socket(domain, typeOf(chosen) | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
        if (kind == null && (fd == -Errno.EPERM || fd == -Errno.EACCES)) {
            chosen = Kind.DATAGRAM;
            fd = Libc.socket(domain, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
        }
        Errno.check(fd, chosen == Kind.RAW ? "socket(SOCK_RAW ICMP)" : "socket(SOCK_DGRAM ICMP)", what);
        final Arena arena = Arena.ofShared();
        try {
            if (interfaceName != null) {
                final byte[] name = interfaceName.getBytes(StandardCharsets.US_ASCII);
                final MemorySegment ifName = arena.allocate(name.length + 1L);
                MemorySegment.copy(name, 0, ifName, ValueLayout.JAVA_BYTE, 0, name.length);
                Errno.check(Libc.setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifName, name.length + 1),
                    "setsockopt SO_BINDTODEVICE", interfaceName);
            }
            if (chosen == Kind.RAW) {
                installEchoReplyFilter(fd, v6, arena);
            }
            final MemorySegment dest = arena.allocate(SockAddr.SOCKADDR_STORAGE_SIZE, 8);
            final int destLen = SockAddr.write(dest, scoped(target, interfaceName), 0);
            // connect() only makes the kernel drop packets from other hosts; without a route yet it fails,
            // and the socket works unconnected (sendto; the codec still matches identifier and cookie)
            final int rc = Libc.connect(fd, dest, destLen);
            if (rc < 0 && rc != -Errno.ENETUNREACH && rc != -Errno.EHOSTUNREACH && rc != -Errno.ENETDOWN
                && rc != -Errno.EADDRNOTAVAIL) {
                Errno.check(rc, "connect", what);
            }
            return new IcmpSocket(arena, fd, chosen, v6, dest, destLen, what);
        } catch (RuntimeException | Error e) {
            Libc.close(fd);
            arena.close();
            throw e;
        }
    }

    /** A link-local IPv6 target needs a scope: the interface, when one is given and the address has none. */
    private static InetAddress scoped(final InetAddress target, final String interfaceName) {
        if (target instanceof Inet6Address v6 && v6.isLinkLocalAddress() && v6.getScopeId() == 0
            && interfaceName != null) {
            final int index = Errno.check(PacketSocket.interfaceIndex(interfaceName), "if_nametoindex",
                interfaceName);
            try {
                return Inet6Address.getByAddress(null, v6.getAddress(), index);
            } catch (UnknownHostException e) {
                throw new IllegalStateException(e);
            }
        }
        return target;
    }

    private static int typeOf(final Kind kind) {
        return kind == Kind.RAW ? SOCK_RAW : SOCK_DGRAM;
    }

    private static void installEchoReplyFilter(final int fd, final boolean v6, final Arena arena) {
        // an optimisation only: the codec still checks every message, so a failure here is ignored
        if (v6) {
            final MemorySegment f = arena.allocate(ICMP6_FILTER_SIZE, 4);
            f.fill((byte) 0xff);
            final int type = 129; // ICMPV6_ECHO_REPLY
            f.set(ValueLayout.JAVA_INT, (type >> 5) * 4L, ~(1 << (type & 31)));
            Libc.setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, f, ICMP6_FILTER_SIZE);
        } else {
            final MemorySegment f = arena.allocate(ValueLayout.JAVA_INT);
            f.set(ValueLayout.JAVA_INT, 0, ~1); // pass ICMP_ECHOREPLY (type 0) only
            Libc.setsockopt(fd, SOL_RAW, ICMP_FILTER, f, 4);
        }
    }

    /** The kind actually opened. */
    public Kind kind() {
        return kind;
    }

    /** Whether the target is IPv6 (ICMPv6: the kernel computes the checksum over its pseudo-header). */
    public boolean ipv6() {
        return ipv6;
    }

    /** Whether received messages start with the IPv4 header (raw IPv4 sockets only). */
    public boolean ipHeaderIncluded() {
        return kind == Kind.RAW && !ipv6;
    }

    /** The send buffer (big-endian view of native memory, capacity {@link #SEND_CAPACITY}). */
    public ByteBuffer sendBuffer() {
        return sendView;
    }

    /** The receive buffer (big-endian view of native memory, capacity {@link #RECEIVE_CAPACITY}). */
    public ByteBuffer receiveBuffer() {
        return receiveView;
    }

    /** Sends the first {@code length} bytes of the send buffer: bytes sent, or -errno. */
    public long send(final int length) {
        return Libc.sendto(fd, send, length, 0, dest, destLen);
    }

    /** Receives one message into the receive buffer: its length, 0 when none is waiting, or -errno. */
    public long receive() {
        final long n = Libc.recvfrom(fd, receive, RECEIVE_CAPACITY, 0, MemorySegment.NULL, MemorySegment.NULL);
        if (n == -Errno.EAGAIN || n == -Errno.EINTR) {
            return 0;
        }
        // a zero-length datagram cannot be an echo reply; report it as "nothing" rather than end-of-stream
        return n;
    }

    /** Waits up to {@code timeoutMs} for a message: 1 readable, 0 timed out or interrupted, or -errno. */
    public int await(final int timeoutMs) {
        pollFd.set(ValueLayout.JAVA_SHORT, POLLFD_REVENTS_OFFSET, (short) 0);
        final int rc = Libc.poll(pollFd, 1, timeoutMs);
        return rc == -Errno.EINTR ? 0 : rc;
    }

    /** The target's address as text, for messages. */
    public String target() {
        return target;
    }

    @Override
    public void close() {
        Libc.close(fd);
        arena.close();
    }
}
