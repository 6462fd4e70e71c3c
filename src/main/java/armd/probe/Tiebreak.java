package armd.probe;

import armd.sys.Errno;
import armd.sys.SysException;
import armd.wire.RtnlAddr;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * The ping tiebreak: "do I still reach the outside?", asked by a server that no longer hears its peers. Every
 * target (the default gateway, say) is pinged at once, each on a thread of its own (raw ICMP as root, else the
 * ping socket), with up to {@code tries} echoes spaced {@code timeout} apart, so a check ends within
 * {@code tries x timeout} (plus thread start-up). The server reaches the outside when at least {@code needed}
 * targets answered; the check stops as soon as that is decided either way.
 *
 * <p>A check runs when asked ({@link #check}), never on the caller's thread, and allocates (threads, sockets,
 * strings): it runs once per partition, not per heartbeat. The threads inherit the network namespace of the
 * thread that calls {@link #check}, and open their sockets there. Thread-safe.
 */
public final class Tiebreak {
    /**
     * The answer of one check.
     *
     * @param reachable at least the needed number of targets answered
     * @param detail    one line: which targets answered (with their round-trip time) and which did not, and why
     * @param reached   how many targets answered (of those that finished before the decision)
     * @param needed    how many had to
     */
    public record Result(boolean reachable, String detail, int reached, int needed) {
    }

    /** What became of one target. */
    private record Target(int index, boolean reached, String detail) {
    }

    private final List<InetAddress> targets;
    private final int needed;
    private final int timeoutMs;
    private final int tries;
    private final List<Consumer<Result>> waiting = new ArrayList<>();
    private boolean checking;

    /**
     * A tiebreak that pings {@code targets} (1 to 16 literal addresses), each up to {@code tries} times with
     * {@code timeoutMs} per echo, and needs {@code needed} (1 to the number of targets) of them to answer.
     */
    public Tiebreak(final List<InetAddress> targets, final int needed, final int timeoutMs, final int tries) {
        if (targets.isEmpty() || targets.size() > 16 || needed < 1 || needed > targets.size() || timeoutMs < 1
            || tries < 1) {
            throw new IllegalArgumentException("tiebreak: " + targets.size() + " targets, " + needed + " needed, "
                + timeoutMs + " ms, " + tries + " tries");
        }
        this.targets = List.copyOf(targets);
        this.needed = needed;
        this.timeoutMs = timeoutMs;
        this.tries = tries;
    }

    /**
     * Checks on a thread of its own and gives the result to {@code done} on that thread. A call while a check
     * runs joins it: {@code done} gets that check's result.
     */
    public void check(final Consumer<Result> done) {
        synchronized (waiting) {
            waiting.add(done);
            if (checking) {
                return;
            }
            checking = true;
        }
        Thread.ofPlatform().name("armd-tiebreak").daemon().start(() -> {
            Result r;
            try {
                r = run();
            } catch (RuntimeException | Error e) {
                r = new Result(false, "tiebreak check failed: " + e, 0, needed);
            }
            final List<Consumer<Result>> callers;
            synchronized (waiting) {
                callers = List.copyOf(waiting);
                waiting.clear();
                checking = false;
            }
            for (final Consumer<Result> c : callers) {
                c.accept(r);
            }
        });
    }

    /** Pings every target at once and decides; on the calling thread (what {@link #check} runs). */
    Result run() {
        final int n = targets.size();
        final LinkedBlockingQueue<Target> results = new LinkedBlockingQueue<>();
        final AtomicBoolean stop = new AtomicBoolean();
        final long startNs = System.nanoTime();
        for (int i = 0; i < n; i++) {
            final int index = i;
            Thread.ofPlatform().name("armd-tiebreak-" + RtnlAddr.text(targets.get(i))).daemon()
                .start(() -> results.add(ping(index, startNs, stop)));
        }
        // each target ends after its last echo's timeout; the grace covers thread start-up on a loaded machine
        final long deadlineNs = startNs + TimeUnit.MILLISECONDS.toNanos((long) tries * timeoutMs + 2000);
        final String[] detail = new String[n];
        int reached = 0;
        int failed = 0;
        try {
            while (reached < needed && failed <= n - needed) {
                final long leftNs = deadlineNs - System.nanoTime();
                final Target t = leftNs > 0 ? results.poll(leftNs, TimeUnit.NANOSECONDS) : null;
                if (t == null) {
                    break;
                }
                detail[t.index()] = t.detail();
                if (t.reached()) {
                    reached++;
                } else {
                    failed++;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            stop.set(true);
        }
        final boolean reachable = reached >= needed;
        final StringBuilder sb = new StringBuilder(reachable ? "reaches the outside: " : "cut off: ");
        for (int i = 0; i < n; i++) {
            sb.append(i == 0 ? "" : "; ").append(detail[i] != null ? detail[i]
                : RtnlAddr.text(targets.get(i)) + " not waited for");
        }
        sb.append(" (").append(reached).append(" answered, ").append(needed).append(" of ").append(n)
            .append(" needed)");
        return new Result(reachable, sb.toString(), reached, needed);
    }

    /** Up to {@code tries} echoes to target {@code index}, try k starting at {@code startNs + k x timeout}. */
    private Target ping(final int index, final long startNs, final AtomicBoolean stopped) {
        final InetAddress target = targets.get(index);
        final String name = RtnlAddr.text(target);
        final IcmpProbe probe;
        try {
            probe = IcmpProbe.open(target, null, null);
        } catch (SysException e) {
            return new Target(index, false, name + ": cannot ping (" + Errno.describe(e.errno()) + ")");
        }
        try {
            IcmpProbe.Result last = null;
            int sent = 0;
            while (sent < tries && !stopped.get()) {
                // try k starts k timeouts after the check: an early "unreachable" does not use the tries up at once
                final long slotNs = startNs + TimeUnit.MILLISECONDS.toNanos((long) sent * timeoutMs);
                long waitNs;
                while ((waitNs = slotNs - System.nanoTime()) > 0 && !stopped.get()) {
                    LockSupport.parkNanos(waitNs);
                }
                last = probe.probe(timeoutMs);
                sent++;
                if (last.outcome() == ProbeOutcome.HEALTHY) {
                    final String rtt = String.format(Locale.ROOT, "%.1f", last.rttNs() / 1e6);
                    return new Target(index, true, name + " answered (" + rtt + " ms"
                        + (sent > 1 ? ", echo " + sent : "") + ")");
                }
            }
            if (last == null) {
                return new Target(index, false, name + " not waited for");
            }
            final String why = last.reason() + (last.errno() != 0 ? ", " + Errno.describe(last.errno()) : "");
            return new Target(index, false, name + ": " + why + " (" + sent + " echo" + (sent > 1 ? "es" : "")
                + " of " + timeoutMs + " ms)");
        } finally {
            probe.close();
        }
    }

    /** The targets, in order. */
    public List<InetAddress> targets() {
        return targets;
    }

    /** How many targets must answer. */
    public int needed() {
        return needed;
    }
}
