package armd.monitor;

import static armd.monitor.FailureThreshold.FAILED;
import static armd.monitor.FailureThreshold.NONE;
import static armd.monitor.FailureThreshold.NORMAL_AGAIN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/** The threshold and normal-again rules, on a virtual clock: one character per probe, one second apart. */
class FailureThresholdTest {
    private static final long SECOND_NS = 1_000_000_000L;

    /**
     * Feeds {@code probes} ('o' normal, 'x' failed) one second apart from t = 0 and returns what was reported as
     * "t:FAILED" / "t:NORMAL_AGAIN" (t in seconds).
     */
    private static List<String> run(final FailureThreshold t, final String probes) {
        t.start();
        final List<String> out = new ArrayList<>();
        for (int i = 0; i < probes.length(); i++) {
            final int r = t.result(probes.charAt(i) == 'o', i * SECOND_NS);
            if (r != NONE) {
                out.add(i + ":" + (r == FAILED ? "FAILED" : "NORMAL_AGAIN"));
            }
        }
        return out;
    }

    @Test
    void failuresBelowTheThresholdAreNotReported() {
        assertEquals(List.of(), run(new FailureThreshold(3, 100 * SECOND_NS), "xxoxxoxxo"));
    }

    @Test
    void theThresholdReportsOnceUntilANormalResult() {
        assertEquals(List.of("2:FAILED"), run(new FailureThreshold(3, 100 * SECOND_NS), "xxxxxxxxxx"));
        assertEquals(List.of("2:FAILED", "7:FAILED"), run(new FailureThreshold(3, 100 * SECOND_NS), "xxxxoxxxx"));
        assertEquals(List.of("0:FAILED"), run(new FailureThreshold(1, 100 * SECOND_NS), "xxx"));
    }

    @Test
    void normalAgainAfterTheResetTimeSinceStartAndAfterEachReportedFailure() {
        // normal since t=0: normal again at t=5; failure at t=9; normal from t=10: again at t=15
        assertEquals(List.of("5:NORMAL_AGAIN", "9:FAILED", "15:NORMAL_AGAIN"),
            run(new FailureThreshold(3, 5 * SECOND_NS), "oooooooxxxoooooooooo"));
    }

    @Test
    void aFailedProbeRestartsTheResetTime() {
        // after the failure at t=2: normal t=3..5, a lost probe at t=6, normal from t=7: again at t=12
        assertEquals(List.of("2:FAILED", "12:NORMAL_AGAIN"),
            run(new FailureThreshold(3, 5 * SECOND_NS), "xxxoooxooooooo"));
    }

    @Test
    void normalAgainIsNotRepeatedWithoutAFailure() {
        assertEquals(List.of("3:NORMAL_AGAIN"), run(new FailureThreshold(3, 3 * SECOND_NS), "oooooooooxxoooooooo"));
    }

    @Test
    void startForgetsThePast() {
        final FailureThreshold t = new FailureThreshold(2, 5 * SECOND_NS);
        assertEquals(List.of("1:FAILED"), run(t, "xx"));
        assertEquals(List.of("1:FAILED"), run(t, "xx"));
        assertEquals(List.of(), run(t, "x"));
        assertEquals(1, t.consecutiveFailures());
    }

    @Test
    void theClockMayWrap() {
        final FailureThreshold t = new FailureThreshold(1, 2 * SECOND_NS);
        t.start();
        final long base = Long.MAX_VALUE - SECOND_NS;
        assertEquals(NONE, t.result(true, base));
        assertEquals(NONE, t.result(true, base + SECOND_NS));
        assertEquals(NORMAL_AGAIN, t.result(true, base + 2 * SECOND_NS));
    }

    @Test
    void badSettingsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new FailureThreshold(0, 1));
        assertThrows(IllegalArgumentException.class, () -> new FailureThreshold(1, -1));
    }
}
