package armd.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import armd.cluster.Destination;
import armd.cluster.FailureAction;
import armd.config.MonitorConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/** One monitor's steps with a scripted check and a virtual clock: activation, unusable, the stuck-probe watchdog. */
class PeriodicMonitorTest {
    private static final long MS = 1_000_000L;

    /** Results given in order ('o' healthy, 'x' failed, 'u' unusable). */
    static final class Scripted implements Check {
        private final String results;
        private int next;

        Scripted(final String results) {
            this.results = results;
        }

        @Override
        public int probe() {
            final char c = results.charAt(Math.min(next++, results.length() - 1));
            return c == 'o' ? HEALTHY : c == 'x' ? FAILED : UNUSABLE;
        }

        @Override
        public String reason() {
            return "scripted";
        }

        @Override
        public void close() {
        }
    }

    /** Collects verdicts as text. */
    static final class Log implements Reporter {
        final List<String> lines = new ArrayList<>();

        @Override
        public synchronized void failed(final MonitorConfig monitor, final String reason) {
            lines.add("failed " + reason);
        }

        @Override
        public synchronized void normalAgain(final MonitorConfig monitor) {
            lines.add("normalAgain");
        }

        @Override
        public synchronized void unusable(final MonitorConfig monitor, final String reason) {
            lines.add("unusable " + reason);
        }

        synchronized List<String> lines() {
            return List.copyOf(lines);
        }
    }

    private static MonitorConfig config(final MonitorConfig.When when, final int failures) {
        return new MonitorConfig("m", 1, 0, 100, 50, failures, when, FailureAction.FAILOVER, Destination.PRIORITY,
            1000, new MonitorConfig.Script(java.nio.file.Path.of("/bin/true")));
    }

    /** Steps until the monitor is done or {@code max} steps, 100 ms apart; returns the number of steps. */
    private static int steps(final PeriodicMonitor p, final int max) {
        for (int i = 0; i < max; i++) {
            if (!p.step((i + 1) * 100 * MS)) {
                return i + 1;
            }
        }
        return max;
    }

    @Test
    void anActivationOnlyMonitorEndsAtItsFirstNormalResult() {
        final Log log = new Log();
        final PeriodicMonitor p = new PeriodicMonitor(config(MonitorConfig.When.ACTIVATION, 3), new Scripted("xxo"),
            log, false);
        assertEquals(3, steps(p, 100));
        assertEquals(List.of(), log.lines());
    }

    @Test
    void anActivationFailureIsReportedAsSuchAndEndsAnActivationOnlyMonitor() {
        final Log log = new Log();
        final PeriodicMonitor p = new PeriodicMonitor(config(MonitorConfig.When.ACTIVATION, 3), new Scripted("x"),
            log, false);
        assertEquals(3, steps(p, 100));
        assertEquals(List.of("failed at activation: scripted"), log.lines());
    }

    @Test
    void bothKeepsProbingAfterActivation() {
        final Log log = new Log();
        final PeriodicMonitor p = new PeriodicMonitor(config(MonitorConfig.When.BOTH, 2), new Scripted(
            "oooooooooooooxxxx"), log, false);
        assertEquals(20, steps(p, 20));
        assertEquals(List.of("normalAgain", "failed scripted"), log.lines());
    }

    @Test
    void anUnusableCheckEndsTheMonitorWithOneLine() {
        final Log log = new Log();
        final PeriodicMonitor p = new PeriodicMonitor(config(MonitorConfig.When.BOTH, 3), new Scripted("u"), log,
            false);
        assertEquals(1, steps(p, 100));
        assertEquals(List.of("unusable scripted"), log.lines());
    }

    @Test
    void aProbeBlockedBeyondTheDetectionTimeIsReportedOnceByTheWatchdog() throws Exception {
        final Log log = new Log();
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final Check blocking = new Check() {
            @Override
            public int probe() {
                entered.countDown();
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return FAILED;
            }

            @Override
            public String reason() {
                return "I/O error";
            }

            @Override
            public void close() {
            }
        };
        // failures 1, interval 100 ms, timeout 50 ms: stuck after 150 ms
        final PeriodicMonitor p = new PeriodicMonitor(config(MonitorConfig.When.ONLINE, 1), blocking, log, false);
        final Thread t = Thread.ofPlatform().start(() -> p.step(1_000 * MS));
        assertTrue(entered.await(10, TimeUnit.SECONDS));
        p.checkStuck(1_100 * MS);
        assertEquals(List.of(), log.lines());
        p.checkStuck(1_151 * MS);
        p.checkStuck(1_500 * MS);
        assertEquals(List.of("failed the probe has been blocked for more than 150 ms (the resource does not answer)"),
            log.lines());
        release.countDown();
        t.join(10_000);
        assertFalse(t.isAlive());
        // the threshold's own report of the same failure is not repeated
        assertEquals(1, log.lines().size());
    }
}
