package armd.monitor;

import armd.probe.ProbeOutcome;
import armd.probe.TurProbe;
import armd.probe.TurResult;
import armd.sys.SysException;

/**
 * SCSI TEST UNIT READY on the shared disk through {@link TurProbe}. A device without SCSI passthrough (loop,
 * virtio-blk, NVMe) or one that rejects the command cannot be monitored this way: {@link #UNUSABLE}, which the
 * engine reports as one configuration-error line (docs/behaviour.md#monitor-types).
 */
final class TurCheck implements Check {
    private final String device;
    private final int timeoutMs;
    private TurProbe probe;
    private String openFailure;
    private TurResult last;

    TurCheck(final String device, final int timeoutMs) {
        this.device = device;
        this.timeoutMs = timeoutMs;
    }

    @Override
    public int probe() {
        if (probe == null) {
            try {
                probe = TurProbe.open(device, timeoutMs);
            } catch (SysException e) {
                // the node is gone or refuses to open: the path to the disk is broken
                openFailure = e.getMessage();
                last = null;
                return FAILED;
            }
        }
        last = probe.probe();
        if (last.outcome() == ProbeOutcome.HEALTHY) {
            return HEALTHY;
        }
        if (last.reason() == TurResult.Reason.NOT_SUPPORTED || last.reason() == TurResult.Reason.PERMISSION_DENIED) {
            return UNUSABLE;
        }
        return FAILED;
    }

    @Override
    public String reason() {
        if (last == null) {
            return openFailure;
        }
        if (last.reason() == TurResult.Reason.NOT_SUPPORTED) {
            return last.describe() + " (a disk monitor needs a SCSI device; use a partition monitor instead)";
        }
        return last.describe();
    }

    @Override
    public void close() {
        if (probe != null) {
            probe.close();
            probe = null;
        }
    }
}
