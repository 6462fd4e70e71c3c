package armd.probe;

import armd.sys.Errno;
import armd.sys.icmp.IcmpSocket;
import armd.wire.IcmpEcho;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.concurrent.ThreadLocalRandom;

/**
 * ICMP echo to one target (the NFS server and public-LAN monitors): open once, then {@link #probe(int)}
 * sends one echo request and waits for its reply. Replies to other probers, late replies to earlier
 * requests and other ICMP messages are ignored. In steady state a probe allocates nothing: the socket's
 * buffers are native memory allocated at open, and the {@link Result} is reused.
 *
 * <p>Not thread-safe: one monitor owns a probe. The returned result is valid until the next call.
 */
public final class IcmpProbe implements AutoCloseable {
    /** The outcome of one echo: reused by every call to {@link #probe(int)}. */
    public static final class Result {
        private ProbeOutcome outcome = ProbeOutcome.FAULT;
        private long rttNs = -1;
        private int sequence;
        private int ignored;
        private int errno;
        private String reason = "";

        Result() {
        }

        void set(final ProbeOutcome newOutcome, final long newRttNs, final int newErrno, final String newReason) {
            outcome = newOutcome;
            rttNs = newRttNs;
            errno = newErrno;
            reason = newReason;
        }

        /** HEALTHY: the reply came; FAULT: no reply in time or the target is unreachable; ERROR: cannot send. */
        public ProbeOutcome outcome() {
            return outcome;
        }

        /** Round-trip time in nanoseconds from send to receipt of the reply, or -1 without a reply. */
        public long rttNs() {
            return rttNs;
        }

        /** The echo sequence number of this probe. */
        public int sequence() {
            return sequence;
        }

        /** How many received messages were not our reply (others' replies, late replies). */
        public int ignored() {
            return ignored;
        }

        /** The errno behind a FAULT or ERROR from the kernel, or 0. */
        public int errno() {
            return errno;
        }

        /** Why the outcome is not HEALTHY, in a few words ("" when healthy); a constant, never allocated. */
        public String reason() {
            return reason;
        }
    }

    /** Timed out: no reply within the timeout. */
    public static final String NO_REPLY = "no reply";
    /** The kernel has no route to the target, or reported it unreachable. */
    public static final String UNREACHABLE = "unreachable";
    /** The kernel refused to send. */
    public static final String SEND_FAILED = "send failed";
    /** The kernel reported an error on receive. */
    public static final String RECEIVE_FAILED = "receive failed";

    private final IcmpSocket socket;
    private final int identifier;
    private final int matchIdentifier;
    private final long cookie;
    private final Result result = new Result();
    private int sequence;

    private IcmpProbe(final IcmpSocket socket) {
        this.socket = socket;
        final ThreadLocalRandom random = ThreadLocalRandom.current();
        this.identifier = random.nextInt(1, 0x10000);
        // a ping socket replaces our identifier with its own and delivers only replies carrying that one
        this.matchIdentifier = socket.kind() == IcmpSocket.Kind.RAW ? identifier : -1;
        this.cookie = random.nextLong() ^ System.nanoTime();
        this.sequence = random.nextInt(0x10000);
    }

    /**
     * Opens a probe to {@code target} (IPv4 or IPv6), through {@code interfaceName} when not null, with a
     * socket of {@code kind} (null: raw when permitted, else the unprivileged ping socket).
     *
     * @throws armd.sys.SysException when the socket cannot be opened, bound or connected
     */
    public static IcmpProbe open(final InetAddress target, final String interfaceName, final IcmpSocket.Kind kind) {
        return new IcmpProbe(IcmpSocket.open(target, interfaceName, kind));
    }

    /** The kind of socket in use. */
    public IcmpSocket.Kind kind() {
        return socket.kind();
    }

    /**
     * Sends one echo request and waits up to {@code timeoutMs} for its reply. Returns the reused result.
     */
    public Result probe(final int timeoutMs) {
        final ByteBuffer rx = socket.receiveBuffer();
        final boolean v6 = socket.ipv6();
        // late replies to earlier probes are stale: drop them so they do not count as ignored traffic now
        drain();
        sequence = (sequence + 1) & 0xffff;
        result.sequence = sequence;
        result.ignored = 0;
        final int len = IcmpEcho.writeRequest(socket.sendBuffer(), 0, v6, identifier, sequence, cookie);
        final long sentNs = System.nanoTime();
        final long sent = socket.send(len);
        if (sent < 0) {
            final int errno = (int) -sent;
            if (unreachable(errno)) {
                result.set(ProbeOutcome.FAULT, -1, errno, UNREACHABLE);
            } else {
                result.set(ProbeOutcome.ERROR, -1, errno, SEND_FAILED);
            }
            return result;
        }
        final long deadlineNs = sentNs + timeoutMs * 1_000_000L;
        while (true) {
            final long n = socket.receive();
            if (n > 0) {
                final int off = socket.ipHeaderIncluded() ? IcmpEcho.skipIpv4Header(rx, 0, (int) n) : 0;
                if (off >= 0 && IcmpEcho.match(rx, off, (int) n - off, v6, matchIdentifier, sequence, cookie)
                    == IcmpEcho.MATCH) {
                    result.set(ProbeOutcome.HEALTHY, System.nanoTime() - sentNs, 0, "");
                    return result;
                }
                result.ignored++;
            } else if (n < 0) {
                final int errno = (int) -n;
                // a connected socket reports an ICMP error (host/port unreachable) from the target this way
                result.set(unreachable(errno) ? ProbeOutcome.FAULT : ProbeOutcome.ERROR, -1, errno,
                    unreachable(errno) ? UNREACHABLE : RECEIVE_FAILED);
                return result;
            }
            final long remainingNs = deadlineNs - System.nanoTime();
            if (remainingNs <= 0) {
                result.set(ProbeOutcome.FAULT, -1, 0, NO_REPLY);
                return result;
            }
            if (n == 0) {
                socket.await((int) Math.min(Integer.MAX_VALUE, (remainingNs + 999_999) / 1_000_000));
            }
        }
    }

    private static boolean unreachable(final int errno) {
        return errno == Errno.ENETUNREACH || errno == Errno.EHOSTUNREACH || errno == Errno.ENETDOWN
            || errno == Errno.ECONNREFUSED || errno == Errno.EADDRNOTAVAIL;
    }

    /** Discards queued messages, at most 1024 (bounded even under a flood). */
    private void drain() {
        int left = 1024;
        while (left-- > 0 && socket.receive() > 0) {
            // discarded
        }
    }

    @Override
    public void close() {
        socket.close();
    }
}
