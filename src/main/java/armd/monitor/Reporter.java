package armd.monitor;

import armd.config.MonitorConfig;

/** Where a running monitor sends its verdicts: the engine, which logs them and tells the agent. Any thread. */
interface Reporter {
    /** {@code monitor}'s resource failed (its threshold was reached). */
    void failed(MonitorConfig monitor, String reason);

    /** {@code monitor}'s resource stayed normal for its reset time. */
    void normalAgain(MonitorConfig monitor);

    /** {@code monitor} cannot work here (configuration error) and has stopped. */
    void unusable(MonitorConfig monitor, String reason);
}
