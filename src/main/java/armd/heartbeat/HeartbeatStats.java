package armd.heartbeat;

import armd.base.Json;
import armd.wire.HeartbeatFrame.Result;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Heartbeat counters for status output: frames sent and send errors per path (sender thread), frames accepted
 * per path and every drop reason (receiving thread), refusals per path (either). Each counter has one writing
 * thread except refusals; any thread may read. Updating allocates nothing.
 */
public final class HeartbeatStats {
    private static final Result[] RESULTS = Result.values();

    private final int paths;
    private final AtomicLongArray results = new AtomicLongArray(RESULTS.length);
    private final AtomicLongArray accepted;
    private final AtomicLongArray sent;
    private final AtomicLongArray sendErrors;
    private final AtomicLongArray lastSendErrno;
    private final AtomicLongArray receiveErrors;
    private final AtomicLongArray refused;
    private final AtomicLongArray kernelDropped;

    /** Counters for {@code paths} heartbeat networks. */
    public HeartbeatStats(final int paths) {
        this.paths = paths;
        accepted = new AtomicLongArray(paths);
        sent = new AtomicLongArray(paths);
        sendErrors = new AtomicLongArray(paths);
        lastSendErrno = new AtomicLongArray(paths);
        receiveErrors = new AtomicLongArray(paths);
        refused = new AtomicLongArray(paths);
        kernelDropped = new AtomicLongArray(paths);
    }

    private static void bump(final AtomicLongArray a, final int i) {
        // single writer: a plain read and an ordered write are enough for readers on other threads
        a.setRelease(i, a.getPlain(i) + 1);
    }

    /** Number of heartbeat networks. */
    public int paths() {
        return paths;
    }

    void countResult(final Result r) {
        bump(results, r.ordinal());
    }

    void countAccepted(final int path) {
        bump(accepted, path);
    }

    void countSent(final int path) {
        bump(sent, path);
    }

    void countSendError(final int path, final int errno) {
        bump(sendErrors, path);
        lastSendErrno.setRelease(path, errno);
    }

    void countReceiveError(final int path) {
        bump(receiveErrors, path);
    }

    void countRefused(final int path) {
        refused.getAndIncrement(path);
    }

    void setKernelDropped(final int path, final long total) {
        kernelDropped.setRelease(path, total);
    }

    /** Frames with outcome {@code r} (OK: accepted on any path; the rest: dropped for that reason). */
    public long count(final Result r) {
        return results.get(r.ordinal());
    }

    /** Total dropped frames, all reasons. */
    public long dropped() {
        long n = 0;
        for (final Result r : RESULTS) {
            if (r != Result.OK) {
                n += results.get(r.ordinal());
            }
        }
        return n;
    }

    /** Frames accepted on {@code path}. */
    public long accepted(final int path) {
        return accepted.get(path);
    }

    /** Datagrams sent on {@code path} (one per destination). */
    public long sent(final int path) {
        return sent.get(path);
    }

    /** Failed sends on {@code path}. */
    public long sendErrors(final int path) {
        return sendErrors.get(path);
    }

    /** The errno of the last failed send on {@code path} (0: none yet). */
    public int lastSendErrno(final int path) {
        return (int) lastSendErrno.get(path);
    }

    /** Failed receives on {@code path} (other than "nothing queued"). */
    public long receiveErrors(final int path) {
        return receiveErrors.get(path);
    }

    /**
     * Datagrams the kernel dropped on {@code path} before the agent saw them: refused by the socket filter
     * (another cluster, not a frame, not from a peer's address) or no room in the receive buffer. Read every
     * 100 ms or so by the receiving thread.
     */
    public long kernelDropped(final int path) {
        return kernelDropped.get(path);
    }

    /** Refusals (ICMP port unreachable from a peer) on {@code path}. */
    public long refused(final int path) {
        return refused.get(path);
    }

    /**
     * For {@code armd status --json}: {@code {"accepted":N,"dropped":{"truncated":N,...,"replay":N},
     * "kernel_dropped":N,"receive_errors":N,"send_errors":N}} summed over the paths, every drop reason present.
     * Allocates.
     */
    public String toJson() {
        final Json dropped = new Json();
        for (final Result r : RESULTS) {
            if (r != Result.OK) {
                dropped.put(r.name().toLowerCase(java.util.Locale.ROOT), count(r));
            }
        }
        long acc = 0;
        long rxErrors = 0;
        long txErrors = 0;
        long kernel = 0;
        for (int p = 0; p < paths; p++) {
            acc += accepted(p);
            rxErrors += receiveErrors(p);
            txErrors += sendErrors(p);
            kernel += kernelDropped(p);
        }
        return new Json().put("accepted", acc).putRaw("dropped", dropped.toString()).put("kernel_dropped", kernel)
            .put("receive_errors", rxErrors).put("send_errors", txErrors).toString();
    }

    /** One line for logs and status: every non-zero counter. Allocates. */
    @Override
    public String toString() {
        final StringBuilder sb = new StringBuilder();
        for (int p = 0; p < paths; p++) {
            sb.append("path").append(p).append(" sent=").append(sent(p)).append(" accepted=").append(accepted(p));
            if (sendErrors(p) != 0) {
                sb.append(" sendErrors=").append(sendErrors(p)).append(" lastErrno=").append(lastSendErrno(p));
            }
            if (receiveErrors(p) != 0) {
                sb.append(" receiveErrors=").append(receiveErrors(p));
            }
            if (refused(p) != 0) {
                sb.append(" refused=").append(refused(p));
            }
            if (kernelDropped(p) != 0) {
                sb.append(" kernelDropped=").append(kernelDropped(p));
            }
            sb.append("; ");
        }
        for (final Result r : RESULTS) {
            if (r != Result.OK && count(r) != 0) {
                sb.append(r.name().toLowerCase(java.util.Locale.ROOT)).append('=').append(count(r)).append(' ');
            }
        }
        return sb.toString().strip();
    }
}
