package armd.probe;

import armd.sys.Errno;
import armd.sys.scsi.SgIo;
import armd.wire.ScsiSense;

/**
 * SCSI TEST UNIT READY on one device through SG_IO: open once, then {@link #probe()} as often as needed.
 * This finds host adapter and cable faults (docs/behaviour.md#monitor-types), not media errors. A UNIT ATTENTION
 * (reset, power on, changed parameters) is retried once, since it reports an event rather than a fault.
 *
 * <p>Steady state allocates nothing: the native buffers live in {@link SgIo} and the {@link TurResult} is
 * reused. Not thread-safe: one caller at a time; a call blocks up to the timeout.
 */
public final class TurProbe implements AutoCloseable {
    private static final int MAX_EINTR_RETRIES = 3;

    private final SgIo sg;
    private final int timeoutMs;
    private final TurResult result;

    private TurProbe(final SgIo sg, final int timeoutMs) {
        this.sg = sg;
        this.timeoutMs = timeoutMs;
        this.result = new TurResult(sg.device());
    }

    /**
     * Opens {@code device} (an sg node or a SCSI block device); each command may take up to {@code timeoutMs}.
     * Throws {@link armd.sys.SysException} naming the device when it cannot be opened.
     */
    public static TurProbe open(final String device, final int timeoutMs) {
        if (timeoutMs <= 0) {
            throw new IllegalArgumentException("timeoutMs must be positive: " + timeoutMs);
        }
        return new TurProbe(SgIo.open(device), timeoutMs);
    }

    /** The device path. */
    public String device() {
        return sg.device();
    }

    /** Sends TEST UNIT READY (twice after a UNIT ATTENTION) and returns the reused result. */
    public TurResult probe() {
        final long startNs = System.nanoTime();
        final TurResult r = result;
        r.tries = 0;
        do {
            r.tries++;
            once(r);
        } while (r.tries < 2 && r.reason == TurResult.Reason.COMPLETED
            && r.verdict == ScsiSense.Verdict.UNIT_ATTENTION);
        r.latencyNs = System.nanoTime() - startNs;
        return r;
    }

    private void once(final TurResult r) {
        int rc = sg.testUnitReady(timeoutMs);
        for (int i = 0; rc == -Errno.EINTR && i < MAX_EINTR_RETRIES; i++) {
            rc = sg.testUnitReady(timeoutMs);
        }
        if (rc < 0) {
            failed(r, -rc);
            return;
        }
        r.senseLength = sg.copySense(r.senseBytes);
        completed(r, sg.status(), sg.hostStatus(), sg.driverStatus());
    }

    /** Classifies a completed SG_IO whose sense bytes are already in {@code r.senseBytes}. */
    static void completed(final TurResult r, final int status, final int hostStatus, final int driverStatus) {
        r.errno = 0;
        r.reason = TurResult.Reason.COMPLETED;
        r.status = status;
        r.hostStatus = hostStatus;
        r.driverStatus = driverStatus;
        r.sense.decode(r.senseBytes, r.senseLength);
        r.verdict = ScsiSense.verdict(status, hostStatus, driverStatus, r.sense);
        r.outcome = switch (r.verdict) {
            case GOOD, RESERVATION_CONFLICT -> ProbeOutcome.HEALTHY;
            case ILLEGAL_REQUEST -> {
                // the device answers but rejects TEST UNIT READY: it cannot be monitored this way
                r.reason = TurResult.Reason.NOT_SUPPORTED;
                yield ProbeOutcome.ERROR;
            }
            default -> ProbeOutcome.FAULT;
        };
    }

    /** Classifies an SG_IO that failed with {@code errno}. */
    static void failed(final TurResult r, final int errno) {
        r.errno = errno;
        r.status = 0;
        r.hostStatus = 0;
        r.driverStatus = 0;
        r.senseLength = 0;
        r.sense.decode(r.senseBytes, 0);
        r.verdict = ScsiSense.Verdict.GOOD;
        switch (errno) {
            // ENOTTY: not a SCSI device at all (regular file, char device); EINVAL: a block driver without
            // SCSI passthrough (loop, virtio-blk); the others: a driver that says so explicitly
            case Errno.ENOTTY, Errno.EINVAL, Errno.EOPNOTSUPP, Errno.ENOSYS -> {
                r.reason = TurResult.Reason.NOT_SUPPORTED;
                r.outcome = ProbeOutcome.ERROR;
            }
            case Errno.EPERM, Errno.EACCES -> {
                r.reason = TurResult.Reason.PERMISSION_DENIED;
                r.outcome = ProbeOutcome.ERROR;
            }
            case Errno.EBADF, Errno.EFAULT, Errno.ENOMEM -> {
                r.reason = TurResult.Reason.IOCTL_FAILED;
                r.outcome = ProbeOutcome.ERROR;
            }
            default -> {
                // EIO, ENXIO, ENODEV (device gone), EBUSY, EAGAIN...: the path to the disk is in trouble
                r.reason = TurResult.Reason.IOCTL_FAILED;
                r.outcome = ProbeOutcome.FAULT;
            }
        }
    }

    /** Closes the device; idempotent. */
    @Override
    public void close() {
        sg.close();
    }
}
