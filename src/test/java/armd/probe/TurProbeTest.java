package armd.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;

import armd.sys.Errno;
import armd.wire.ScsiSense;

import org.junit.jupiter.api.Test;

/** The probe's classification of completed and failed SG_IO calls, from captured-style bytes. */
class TurProbeTest {
    private static TurResult completed(final int status, final int host, final int driver, final int... sense) {
        final TurResult r = new TurResult("/dev/sg1");
        for (int i = 0; i < sense.length; i++) {
            r.senseBytes[i] = (byte) sense[i];
        }
        r.senseLength = sense.length;
        r.tries = 1;
        TurProbe.completed(r, status, host, driver);
        return r;
    }

    private static TurResult failed(final int errno) {
        final TurResult r = new TurResult("/dev/loop0");
        r.tries = 1;
        TurProbe.failed(r, errno);
        return r;
    }

    @Test
    void goodIsHealthy() {
        final TurResult r = completed(0, 0, 0);
        assertEquals(ProbeOutcome.HEALTHY, r.outcome());
        assertEquals("/dev/sg1: ready", r.describe());
    }

    @Test
    void mediumNotPresentIsAFault() {
        final TurResult r = completed(2, 0, ScsiSense.DRIVER_SENSE,
            0x70, 0, 0x02, 0, 0, 0, 0, 0x0a, 0, 0, 0, 0, 0x3a, 0x00, 0, 0, 0, 0);
        assertEquals(ProbeOutcome.FAULT, r.outcome());
        assertEquals("/dev/sg1: not ready: CHECK CONDITION, NOT READY 3a/00 medium not present", r.describe());
    }

    @Test
    void timeoutWithGoodStatusIsAFault() {
        final TurResult r = completed(0, ScsiSense.DID_TIME_OUT, 0);
        assertEquals(ProbeOutcome.FAULT, r.outcome());
        assertEquals(ScsiSense.Verdict.TIMEOUT, r.verdict());
        assertEquals("/dev/sg1: timeout: DID_TIME_OUT (command timed out)", r.describe());
    }

    @Test
    void transportFailuresAreFaults() {
        final TurResult r = completed(0, ScsiSense.DID_NO_CONNECT, 0);
        assertEquals(ProbeOutcome.FAULT, r.outcome());
        assertEquals("/dev/sg1: transport fault: DID_NO_CONNECT (could not connect to the target)", r.describe());
    }

    @Test
    void aReservationConflictProvesThePath() {
        assertEquals(ProbeOutcome.HEALTHY, completed(0x18, 0, 0).outcome());
    }

    @Test
    void illegalRequestMeansTurIsNotSupported() {
        final TurResult r = completed(2, 0, 0, 0x72, 0x05, 0x20, 0x00, 0, 0, 0, 0);
        assertEquals(ProbeOutcome.ERROR, r.outcome());
        assertEquals("/dev/sg1: TEST UNIT READY through SG_IO is not supported by this device (ILLEGAL REQUEST "
            + "20/00 invalid command operation code); it cannot be used as a monitored shared disk", r.describe());
    }

    @Test
    void ioctlErrnosAreClassified() {
        assertEquals("/dev/loop0: TEST UNIT READY through SG_IO is not supported by this device (SG_IO: Invalid "
            + "argument); it cannot be used as a monitored shared disk", failed(Errno.EINVAL).describe());
        assertEquals(ProbeOutcome.ERROR, failed(Errno.ENOTTY).outcome());
        assertEquals(TurResult.Reason.NOT_SUPPORTED, failed(Errno.ENOTTY).reason());
        assertEquals(TurResult.Reason.PERMISSION_DENIED, failed(Errno.EACCES).reason());
        assertEquals(ProbeOutcome.FAULT, failed(Errno.EIO).outcome());
        assertEquals(ProbeOutcome.FAULT, failed(Errno.ENXIO).outcome());
    }
}
