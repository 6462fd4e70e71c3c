package armd.probe;

import armd.sys.Errno;
import armd.sys.scsi.SgIo;
import armd.wire.ScsiSense;

/**
 * The outcome of one {@link TurProbe#probe()}: reused by the probe for every call (read it before the next
 * call), so the steady state allocates nothing. Only {@link #describe()} allocates, for output.
 */
public final class TurResult {
    /** Why the result is what it is, beyond the SCSI verdict. */
    public enum Reason {
        /** The command completed: see {@link #verdict()}. */
        COMPLETED,
        /** SG_IO is not supported by this device (ENOTTY, EINVAL...), or it rejects TEST UNIT READY. */
        NOT_SUPPORTED,
        /** SG_IO was refused (EPERM, EACCES). */
        PERMISSION_DENIED,
        /** SG_IO failed with another errno (device gone, I/O error...). */
        IOCTL_FAILED
    }

    final String device;
    final ScsiSense sense = new ScsiSense();
    final byte[] senseBytes = new byte[SgIo.SENSE_SIZE];
    ProbeOutcome outcome = ProbeOutcome.ERROR;
    Reason reason = Reason.COMPLETED;
    ScsiSense.Verdict verdict = ScsiSense.Verdict.GOOD;
    int errno;
    int status;
    int hostStatus;
    int driverStatus;
    int senseLength;
    int tries;
    long latencyNs;

    TurResult(final String device) {
        this.device = device;
    }

    /** HEALTHY, FAULT or ERROR. */
    public ProbeOutcome outcome() {
        return outcome;
    }

    /** Whether SG_IO completed, and if not why. */
    public Reason reason() {
        return reason;
    }

    /** The SCSI verdict of the last try (meaningful when {@link #reason()} is COMPLETED). */
    public ScsiSense.Verdict verdict() {
        return verdict;
    }

    /** The errno of a failed SG_IO, else 0. */
    public int errno() {
        return errno;
    }

    /** The SAM status byte. */
    public int status() {
        return status;
    }

    /** host_status (DID_*). */
    public int hostStatus() {
        return hostStatus;
    }

    /** driver_status (DRIVER_*). */
    public int driverStatus() {
        return driverStatus;
    }

    /** The decoded sense data of the last try (fields -1 when there was none). */
    public ScsiSense sense() {
        return sense;
    }

    /** 1, or 2 when a UNIT ATTENTION was retried. */
    public int tries() {
        return tries;
    }

    /** Time the whole probe took (both tries when retried), in ns. */
    public long latencyNs() {
        return latencyNs;
    }

    /** The device path. */
    public String device() {
        return device;
    }

    /** One line for an operator: {@code DEVICE: what happened}. Allocates. */
    public String describe() {
        return device + ": " + detail();
    }

    /** The line without the device: e.g. {@code not ready: CHECK CONDITION, NOT READY 3a/00 medium not present}. */
    public String detail() {
        return switch (reason) {
            case NOT_SUPPORTED -> "TEST UNIT READY through SG_IO is not supported by this device ("
                + (errno != 0 ? "SG_IO: " + Errno.describe(errno) : sense.describe())
                + "); it cannot be used as a monitored shared disk";
            case PERMISSION_DENIED -> "SG_IO refused: " + Errno.describe(errno) + "; run armd as root";
            case IOCTL_FAILED -> "SG_IO failed: " + Errno.describe(errno);
            case COMPLETED -> completedDetail();
        };
    }

    private String completedDetail() {
        final String retried = tries > 1 ? " (after retrying a UNIT ATTENTION)" : "";
        return switch (verdict) {
            case GOOD -> "ready" + (sense.senseKey() >= 0 ? " (" + sense.describe() + ")" : "") + retried;
            case NOT_READY -> "not ready: " + ScsiSense.statusName(status) + ", " + sense.describe() + retried;
            case UNIT_ATTENTION, CHECK_CONDITION, ILLEGAL_REQUEST ->
                "fault: " + ScsiSense.statusName(status) + ", " + sense.describe() + retried;
            case BUSY -> "busy: " + ScsiSense.statusName(status) + retried;
            case RESERVATION_CONFLICT ->
                "ready (RESERVATION CONFLICT: the path works; another host holds a reservation)" + retried;
            case OTHER_STATUS -> "fault: " + ScsiSense.statusName(status) + retried;
            case TIMEOUT -> "timeout: "
                + ((driverStatus & 0x0f) == ScsiSense.DRIVER_TIMEOUT && hostStatus != ScsiSense.DID_TIME_OUT
                    ? ScsiSense.driverStatusName(driverStatus) : ScsiSense.hostStatusName(hostStatus))
                + retried;
            case TRANSPORT -> "transport fault: " + ScsiSense.hostStatusName(hostStatus) + retried;
            case DRIVER -> "driver fault: " + ScsiSense.driverStatusName(driverStatus) + retried;
        };
    }
}
