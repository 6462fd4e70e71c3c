package armd.vm;

import armd.probe.TurProbe;
import armd.probe.TurResult;

/**
 * armd's TEST UNIT READY probe as the guest cases use it: one open descriptor, probed as often as needed, each
 * result copied into a {@link TurView} (the probe reuses its result object).
 */
final class ArmdTur implements AutoCloseable {
    private final TurProbe probe;

    private ArmdTur(final TurProbe probe) {
        this.probe = probe;
    }

    /** Opens {@code device}; throws armd's SysException (with the errno) when it cannot be opened. */
    static ArmdTur open(final String device, final int timeoutMs) {
        return new ArmdTur(TurProbe.open(device, timeoutMs));
    }

    /** One probe (TEST UNIT READY, retried once after a UNIT ATTENTION). */
    TurView probe() {
        final TurResult r = probe.probe();
        final boolean completed = r.reason() == TurResult.Reason.COMPLETED;
        return new TurView("armd", r.outcome().exitCode(), r.outcome().name(), r.reason().name(),
            completed ? r.verdict().name() : null, r.status(), r.hostStatus(), r.driverStatus(), r.sense().senseKey(),
            r.sense().asc(), r.sense().ascq(), r.errno(), r.tries(), r.latencyNs() / 1000, r.detail());
    }

    @Override
    public void close() {
        probe.close();
    }
}
