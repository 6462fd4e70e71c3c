package armd.monitor;

import armd.config.MonitorConfig;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A periodically probed monitor on a thread of its own: probes every interval, feeds a {@link FailureThreshold},
 * reports. A thread per monitor keeps a probe that blocks (a ping waiting for its timeout, O_DIRECT I/O or SG_IO
 * on a sick disk, a script) from delaying the others. At activation it probes until the first normal result or
 * a reported failure; an activation-only monitor then ends. The steady state allocates nothing (the probe, the
 * threshold and parkNanos do not).
 */
final class PeriodicMonitor implements Runnable {
    private final MonitorConfig config;
    private final Check check;
    private final Reporter reporter;
    private final FailureThreshold threshold;
    private final long intervalNs;
    private final boolean online;
    /** A probe running longer than this counts as a failure by itself (see {@link #checkStuck}). */
    private final long stuckAfterNs;
    private boolean activating;
    private volatile boolean stopped;
    /** When the probe in progress started, or 0 between probes: read by the engine's watchdog. */
    private volatile long probeSinceNs;
    /** The watchdog reported the probe in progress as stuck; the threshold's own report is then not repeated. */
    private volatile boolean stuckReported;
    private Thread thread;

    /**
     * A monitor of {@code config}'s settings probing with {@code check}; {@code activationOnly} limits it to the
     * activation phase (the ip monitor's online part is event-driven).
     */
    PeriodicMonitor(final MonitorConfig config, final Check check, final Reporter reporter,
                    final boolean activationOnly) {
        this.config = config;
        this.check = check;
        this.reporter = reporter;
        this.threshold = new FailureThreshold(config.failures(), TimeUnit.MILLISECONDS.toNanos(config.resetAfterMs()));
        this.intervalNs = TimeUnit.MILLISECONDS.toNanos(config.intervalMs());
        this.online = config.when().whileOnline() && !activationOnly;
        this.activating = config.when().atActivation();
        // the time a failing resource takes to be reported by the threshold: a probe blocked that long is a failure
        this.stuckAfterNs = TimeUnit.MILLISECONDS.toNanos((long) config.failures() * config.intervalMs()
            + config.timeoutMs());
        threshold.start();
    }

    /** Starts the thread (it inherits the caller's network namespace). */
    void start() {
        thread = Thread.ofPlatform().name("armd-monitor-" + config.name()).daemon().start(this);
    }

    @Override
    public void run() {
        long nextNs = System.nanoTime();
        try {
            while (!stopped) {
                if (!step(System.nanoTime())) {
                    return;
                }
                nextNs += intervalNs;
                final long nowNs = System.nanoTime();
                if (nowNs - nextNs > 0) {
                    nextNs = nowNs; // a probe took longer than the interval: start the next one now
                }
                long leftNs;
                while (!stopped && (leftNs = nextNs - System.nanoTime()) > 0) {
                    LockSupport.parkNanos(this, leftNs);
                }
            }
        } finally {
            check.close();
        }
    }

    /** One probe and its verdict at about {@code nowNs}; false when the monitor has nothing more to do. */
    boolean step(final long nowNs) {
        probeSinceNs = nowNs == 0 ? 1 : nowNs;
        final int rc = check.probe();
        probeSinceNs = 0;
        if (stopped) {
            return false;
        }
        if (rc == Check.UNUSABLE) {
            reporter.unusable(config, check.reason());
            return false;
        }
        final boolean healthy = rc == Check.HEALTHY;
        final int verdict = threshold.result(healthy, nowNs);
        if (healthy) {
            stuckReported = false;
        }
        if (verdict == FailureThreshold.FAILED && stuckReported) {
            stuckReported = false; // already reported by the watchdog while the probe hung
        } else if (verdict == FailureThreshold.FAILED) {
            reporter.failed(config, activating ? "at activation: " + check.reason() : check.reason());
        } else if (verdict == FailureThreshold.NORMAL_AGAIN) {
            reporter.normalAgain(config);
        }
        if (activating && (healthy || threshold.failed())) {
            activating = false;
            return online;
        }
        return true;
    }

    /**
     * Called by the engine's watchdog (another thread): a probe blocked in the kernel for longer than the monitor
     * would need to report a failure (failures x interval + timeout) is reported as a failure now, once; a sick
     * disk can hold an O_DIRECT read or an SG_IO far beyond any timeout of ours.
     */
    void checkStuck(final long nowNs) {
        final long since = probeSinceNs;
        if (since != 0 && !stuckReported && !stopped && nowNs - since > stuckAfterNs) {
            stuckReported = true;
            reporter.failed(config, "the probe has been blocked for more than "
                + TimeUnit.NANOSECONDS.toMillis(stuckAfterNs) + " ms (the resource does not answer)");
        }
    }

    /** Stops probing; a probe in progress finishes (within its timeout) without reporting. */
    void stop() {
        stopped = true;
        if (thread != null) {
            LockSupport.unpark(thread);
        }
    }

    /** Waits up to {@code timeoutMs} for the thread to end; false when it is still in a probe. */
    boolean join(final long timeoutMs) throws InterruptedException {
        return thread == null || thread == Thread.currentThread()
            || thread.join(java.time.Duration.ofMillis(timeoutMs));
    }

    /** The monitor's settings. */
    MonitorConfig config() {
        return config;
    }
}
