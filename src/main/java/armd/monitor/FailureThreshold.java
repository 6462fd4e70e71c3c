package armd.monitor;

/**
 * The timing logic of one monitor, pure (time is an argument): counts consecutive failed results, says when the
 * resource counts as failed (once per failure), and when it has been normal long enough to count as normal
 * again (the failover counter's reset, docs/behaviour.md#failover-counter). Allocates nothing.
 *
 * <p>Rules: {@code failures} consecutive failed results report {@link #FAILED} once; after that, nothing more is
 * reported until a normal result came (then the count starts again from zero). {@link #NORMAL_AGAIN} is reported
 * once when every result for {@code resetAfterNs} was normal, counted from the first normal result after a
 * reported failure, or after {@link #start}.
 *
 * <p>Not thread-safe: one owner thread.
 */
public final class FailureThreshold {
    /** Nothing to report. */
    public static final int NONE = 0;
    /** The resource failed: its threshold was reached. */
    public static final int FAILED = 1;
    /** The resource stayed normal for its reset time. */
    public static final int NORMAL_AGAIN = 2;

    private final int failures;
    private final long resetAfterNs;
    private int consecutive;
    private boolean reported;
    private boolean normalAgainPending;
    private boolean inNormalRun;
    private long normalSinceNs;

    /** {@code failures} consecutive failed results make a failure; {@code resetAfterNs} of normal, normal again. */
    public FailureThreshold(final int failures, final long resetAfterNs) {
        if (failures < 1 || resetAfterNs < 0) {
            throw new IllegalArgumentException("failures " + failures + ", resetAfterNs " + resetAfterNs);
        }
        this.failures = failures;
        this.resetAfterNs = resetAfterNs;
    }

    /** The group came online: forget the past; the normal-again time runs from the first normal result. */
    public void start() {
        consecutive = 0;
        reported = false;
        normalAgainPending = true;
        inNormalRun = false;
    }

    /** One result at {@code nowNs}: returns {@link #NONE}, {@link #FAILED} or {@link #NORMAL_AGAIN}. */
    public int result(final boolean healthy, final long nowNs) {
        if (!healthy) {
            inNormalRun = false;
            if (consecutive < Integer.MAX_VALUE) {
                consecutive++;
            }
            if (consecutive >= failures && !reported) {
                reported = true;
                normalAgainPending = true;
                return FAILED;
            }
            return NONE;
        }
        consecutive = 0;
        reported = false;
        if (!inNormalRun) {
            inNormalRun = true;
            normalSinceNs = nowNs;
        }
        if (normalAgainPending && nowNs - normalSinceNs >= resetAfterNs) {
            normalAgainPending = false;
            return NORMAL_AGAIN;
        }
        return NONE;
    }

    /** Consecutive failed results so far. */
    public int consecutiveFailures() {
        return consecutive;
    }

    /** Whether the current failure was reported and no normal result came since. */
    public boolean failed() {
        return reported;
    }
}
