package armd.sys.netlink;

import armd.sys.Errno;
import armd.sys.Libc;
import armd.sys.SockAddr;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * An AF_NETLINK / NETLINK_ROUTE socket, non-blocking and close-on-exec, with one send and one receive buffer
 * allocated at {@link #open} and reused; both are exposed as native-order {@link ByteBuffer} views over the
 * native memory, so {@code armd.wire.Rtnl} builds and parses messages in place with no copy and no garbage.
 *
 * <p>Extended acknowledgements are on (NETLINK_EXT_ACK: the kernel's error text) and capped
 * (NETLINK_CAP_ACK: errors do not echo the request). Datagrams from any sender but the kernel (port id 0)
 * are dropped, so another process cannot forge an acknowledgement.
 *
 * <pre>
 * struct sockaddr_nl (linux/netlink.h), 12 bytes:
 *   0 u16 nl_family (AF_NETLINK)  2 u16 nl_pad  4 u32 nl_pid (port id)  8 u32 nl_groups (RTMGRP_* bit mask)
 * </pre>
 *
 * <p>Not thread-safe: one owner thread at a time.
 */
public final class NetlinkSocket implements AutoCloseable {
    /** sizeof(struct sockaddr_nl). */
    public static final int SOCKADDR_NL_SIZE = 12;
    /** Receive buffer: a dump part is at most 32 KiB (netlink_dump caps at the reader's buffer). */
    public static final int RECEIVE_SIZE = 64 * 1024;
    /** Send buffer: one request. */
    public static final int SEND_SIZE = 4096;

    static final int SOCK_RAW = 3;
    static final int SOCK_NONBLOCK = 0x800;
    static final int SOCK_CLOEXEC = 0x80000;
    static final int NETLINK_ROUTE = 0;
    static final int SOL_SOCKET = 1;
    static final int SO_RCVBUF = 8;
    static final int SOL_NETLINK = 270;
    static final int NETLINK_CAP_ACK = 10;
    static final int NETLINK_EXT_ACK = 11;
    static final int MSG_DONTWAIT = 0x40;
    static final short POLLIN = 0x1;

    private final Arena arena;
    private final MemorySegment sendSeg;
    private final MemorySegment recvSeg;
    private final MemorySegment from;
    private final MemorySegment fromLen;
    private final MemorySegment pollFd;
    private final ByteBuffer sendBuf;
    private final ByteBuffer recvBuf;
    private int fd;

    private NetlinkSocket(final Arena arena, final int fd) {
        this.arena = arena;
        this.fd = fd;
        this.sendSeg = arena.allocate(SEND_SIZE, 8);
        this.recvSeg = arena.allocate(RECEIVE_SIZE, 8);
        this.from = arena.allocate(SOCKADDR_NL_SIZE, 4);
        this.fromLen = arena.allocate(4, 4);
        this.pollFd = arena.allocate(8, 4);
        this.sendBuf = sendSeg.asByteBuffer().order(ByteOrder.nativeOrder());
        this.recvBuf = recvSeg.asByteBuffer().order(ByteOrder.nativeOrder());
    }

    /**
     * Opens a NETLINK_ROUTE socket in the calling thread's network namespace, subscribed to the RTMGRP_*
     * multicast {@code groups} (0 for requests only). {@code rcvBufBytes} above 0 sets SO_RCVBUF (event
     * listeners want room for bursts). Throws {@link armd.sys.SysException} on failure.
     */
    public static NetlinkSocket open(final int groups, final int rcvBufBytes) {
        final int fd = Errno.check(Libc.socket(SockAddr.AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
            NETLINK_ROUTE), "socket", "AF_NETLINK");
        final Arena arena = Arena.ofShared();
        try {
            final NetlinkSocket s = new NetlinkSocket(arena, fd);
            final MemorySegment one = arena.allocate(4, 4);
            one.set(ValueLayout.JAVA_INT, 0, 1);
            // both options are best effort: older kernels lack them and still work
            Libc.setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, one, 4);
            Libc.setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, one, 4);
            if (rcvBufBytes > 0) {
                one.set(ValueLayout.JAVA_INT, 0, rcvBufBytes);
                Errno.check(Libc.setsockopt(fd, SOL_SOCKET, SO_RCVBUF, one, 4), "setsockopt SO_RCVBUF", "netlink");
            }
            final MemorySegment sa = arena.allocate(SOCKADDR_NL_SIZE, 4);
            sa.set(ValueLayout.JAVA_SHORT, 0, SockAddr.AF_NETLINK);
            sa.set(ValueLayout.JAVA_INT, 8, groups);
            Errno.check(Libc.bind(fd, sa, SOCKADDR_NL_SIZE), "bind", "netlink groups 0x" + Integer.toHexString(groups));
            return s;
        } catch (RuntimeException e) {
            Libc.close(fd);
            arena.close();
            throw e;
        }
    }

    /** The descriptor, for an agent's own poll loop (POLLIN means {@link #receive} has data). */
    public int fd() {
        return fd;
    }

    /** The send buffer (native order, capacity {@link #SEND_SIZE}): build a message at 0, then {@link #send}. */
    public ByteBuffer sendBuffer() {
        return sendBuf;
    }

    /** The receive buffer (native order): {@link #receive} fills it from 0. */
    public ByteBuffer receiveBuffer() {
        return recvBuf;
    }

    /** Sends the first {@code length} bytes of the send buffer to the kernel: bytes sent or -errno. */
    public long send(final int length) {
        long rc;
        do {
            rc = Libc.send(fd, sendSeg, length, 0);
        } while (rc == -Errno.EINTR);
        return rc;
    }

    /**
     * Receives one datagram from the kernel into the receive buffer, waiting at most {@code timeoutMs} (0: do
     * not wait). Returns its length, 0 when nothing came in time, or -errno (-ENOBUFS: the socket overran and
     * events were lost). Datagrams from other senders are dropped. Allocates nothing.
     */
    public int receive(final int timeoutMs) {
        final long deadlineNs = System.nanoTime() + timeoutMs * 1_000_000L;
        while (true) {
            fromLen.set(ValueLayout.JAVA_INT, 0, SOCKADDR_NL_SIZE);
            final long n = Libc.recvfrom(fd, recvSeg, RECEIVE_SIZE, MSG_DONTWAIT, from, fromLen);
            if (n > 0) {
                if (from.get(ValueLayout.JAVA_INT, 4) != 0) {
                    continue; // not from the kernel
                }
                return (int) n;
            }
            if (n == 0) {
                return 0;
            }
            if (n == -Errno.EINTR) {
                continue;
            }
            if (n != -Errno.EAGAIN) {
                return (int) n;
            }
            final long leftNs = deadlineNs - System.nanoTime();
            if (leftNs <= 0) {
                return 0;
            }
            final int rc = waitReadable((int) Math.max(1, (leftNs + 999_999) / 1_000_000));
            if (rc < 0 && rc != -Errno.EINTR) {
                return rc;
            }
        }
    }

    /** poll(2) for input at most {@code timeoutMs}: 1 readable, 0 timed out, or -errno. */
    public int waitReadable(final int timeoutMs) {
        pollFd.set(ValueLayout.JAVA_INT, 0, fd);
        pollFd.set(ValueLayout.JAVA_SHORT, 4, POLLIN);
        pollFd.set(ValueLayout.JAVA_SHORT, 6, (short) 0);
        return Libc.poll(pollFd, 1, timeoutMs);
    }

    /** Closes the socket and frees its buffers; idempotent. */
    @Override
    public void close() {
        if (fd >= 0) {
            Libc.close(fd);
            fd = -1;
            arena.close();
        }
    }
}
