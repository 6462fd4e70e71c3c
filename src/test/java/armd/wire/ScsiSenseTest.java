package armd.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import armd.sys.scsi.SgIo;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ScsiSenseTest {
    /** Fixed format, current error, NOT READY, 3a/00 medium not present (18 bytes, as sd returns it). */
    static final byte[] FIXED_MEDIUM_NOT_PRESENT = bytes(
        0x70, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x00, 0x00, 0x00, 0x00, 0x3a, 0x00, 0x00, 0x00, 0x00, 0x00);
    /** Fixed format with VALID set, UNIT ATTENTION 29/00 power on, reset. */
    static final byte[] FIXED_POWER_ON = bytes(
        0xf0, 0x00, 0x06, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x00, 0x00, 0x00, 0x00, 0x29, 0x00, 0x00, 0x00, 0x00, 0x00);
    /** Descriptor format, NOT READY 04/01 becoming ready, no descriptors. */
    static final byte[] DESC_BECOMING_READY = bytes(0x72, 0x02, 0x04, 0x01, 0x00, 0x00, 0x00, 0x00);
    /** Descriptor format, deferred, UNIT ATTENTION 2a/09 capacity changed, one information descriptor. */
    static final byte[] DESC_DEFERRED_CAPACITY = bytes(
        0x73, 0x06, 0x2a, 0x09, 0x00, 0x00, 0x00, 0x0c,
        0x00, 0x0a, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00);

    static byte[] bytes(final int... v) {
        final byte[] b = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            b[i] = (byte) v[i];
        }
        return b;
    }

    @Test
    void decodesFixedFormat() {
        final ScsiSense s = new ScsiSense();
        assertTrue(s.decode(FIXED_MEDIUM_NOT_PRESENT, FIXED_MEDIUM_NOT_PRESENT.length));
        assertEquals(0x70, s.responseCode());
        assertEquals(ScsiSense.KEY_NOT_READY, s.senseKey());
        assertEquals(0x3a, s.asc());
        assertEquals(0x00, s.ascq());
        assertFalse(s.descriptorFormat());
        assertFalse(s.deferred());
        assertEquals("NOT READY 3a/00 medium not present", s.describe());
    }

    @Test
    void theValidBitDoesNotChangeTheResponseCode() {
        final ScsiSense s = new ScsiSense();
        assertTrue(s.decode(FIXED_POWER_ON, FIXED_POWER_ON.length));
        assertEquals(0x70, s.responseCode());
        assertEquals("UNIT ATTENTION 29/00 power on, reset, or bus device reset occurred", s.describe());
    }

    @Test
    void decodesDescriptorFormat() {
        final ScsiSense s = new ScsiSense();
        assertTrue(s.decode(DESC_BECOMING_READY, DESC_BECOMING_READY.length));
        assertTrue(s.descriptorFormat());
        assertEquals("NOT READY 04/01 logical unit is in process of becoming ready", s.describe());
        assertTrue(s.decode(DESC_DEFERRED_CAPACITY, DESC_DEFERRED_CAPACITY.length));
        assertTrue(s.deferred());
        assertEquals(0x73, s.responseCode());
        assertEquals("UNIT ATTENTION 2a/09 capacity data has changed (deferred error)", s.describe());
    }

    @Test
    void aShortFixedBufferHasAKeyButNoAsc() {
        final ScsiSense s = new ScsiSense();
        assertTrue(s.decode(FIXED_MEDIUM_NOT_PRESENT, 8));
        assertEquals(ScsiSense.KEY_NOT_READY, s.senseKey());
        assertEquals(-1, s.asc());
        assertEquals("NOT READY", s.describe());
    }

    @Test
    void theAdditionalLengthBoundsTheAsc() {
        final byte[] b = FIXED_MEDIUM_NOT_PRESENT.clone();
        b[7] = 4; // additional length ends the data at byte 11, before the ASC
        final ScsiSense s = new ScsiSense();
        assertTrue(s.decode(b, b.length));
        assertEquals(-1, s.asc());
    }

    @Test
    void emptyOrUnknownDataDecodesToNothing() {
        final ScsiSense s = new ScsiSense();
        assertTrue(s.decode(FIXED_MEDIUM_NOT_PRESENT, 18));
        assertFalse(s.decode(new byte[32], 0));
        assertEquals(-1, s.senseKey());
        assertFalse(s.decode(bytes(0x7f, 0, 2, 0), 4));
        assertEquals(-1, s.responseCode());
        assertEquals("no sense data", s.describe());
    }

    @Test
    void unknownAscPairsPrintTheirNumbers() {
        final ScsiSense s = new ScsiSense();
        assertTrue(s.decode(bytes(0x72, 0x04, 0x80, 0x12, 0, 0, 0, 0), 8));
        assertEquals("HARDWARE ERROR 80/12", s.describe());
        assertNull(ScsiSense.ascName(0x80, 0x12));
    }

    @ParameterizedTest
    @CsvSource({
        "0x04, 0x02, 'logical unit not ready, initializing command required'",
        "0x28, 0x00, 'not ready to ready change, medium may have changed'",
        "0x29, 0x02, SCSI bus reset occurred",
        "0x29, 0x07, I_T nexus loss occurred",
        "0x2a, 0x09, capacity data has changed",
        "0x3a, 0x00, medium not present",
    })
    void namesTheCommonAscPairs(final String asc, final String ascq, final String name) {
        assertEquals(name, ScsiSense.ascName(Integer.decode(asc), Integer.decode(ascq)));
    }

    @Test
    void namesStatusHostAndDriverBytes() {
        assertEquals("GOOD", ScsiSense.statusName(0));
        assertEquals("CHECK CONDITION", ScsiSense.statusName(2));
        assertEquals("BUSY", ScsiSense.statusName(8));
        assertEquals("RESERVATION CONFLICT", ScsiSense.statusName(0x18));
        assertEquals("TASK SET FULL", ScsiSense.statusName(0x28));
        assertTrue(ScsiSense.hostStatusName(1).startsWith("DID_NO_CONNECT"));
        assertTrue(ScsiSense.hostStatusName(2).startsWith("DID_BUS_BUSY"));
        assertTrue(ScsiSense.hostStatusName(3).startsWith("DID_TIME_OUT"));
        assertTrue(ScsiSense.hostStatusName(4).startsWith("DID_BAD_TARGET"));
        assertTrue(ScsiSense.hostStatusName(5).startsWith("DID_ABORT"));
        assertTrue(ScsiSense.hostStatusName(7).startsWith("DID_ERROR"));
        assertTrue(ScsiSense.hostStatusName(8).startsWith("DID_RESET"));
        assertEquals("host status 0x77", ScsiSense.hostStatusName(0x77));
        assertEquals("DRIVER_TIMEOUT", ScsiSense.driverStatusName(6));
        assertEquals("DRIVER_SENSE", ScsiSense.driverStatusName(8));
        // the high nibble carries the old SUGGEST_* bits
        assertEquals("DRIVER_SENSE", ScsiSense.driverStatusName(0x18));
    }

    /** A captured-style sg_io_hdr after the ioctl: only the output fields matter to the decoder. */
    static ByteBuffer header(final int status, final int host, final int driver, final int senseLen) {
        final ByteBuffer h = ByteBuffer.allocate(SgIo.HDR_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        h.putInt(SgIo.OFF_INTERFACE_ID, 'S');
        h.putInt(SgIo.OFF_DXFER_DIRECTION, SgIo.SG_DXFER_NONE);
        h.put(SgIo.OFF_CMD_LEN, (byte) 6);
        h.put(SgIo.OFF_MX_SB_LEN, (byte) SgIo.SENSE_SIZE);
        h.putInt(SgIo.OFF_TIMEOUT, 5000);
        h.put(SgIo.OFF_STATUS, (byte) status);
        h.put(SgIo.OFF_MASKED_STATUS, (byte) ((status >> 1) & 0x7f));
        h.put(SgIo.OFF_SB_LEN_WR, (byte) senseLen);
        h.putShort(SgIo.OFF_HOST_STATUS, (short) host);
        h.putShort(SgIo.OFF_DRIVER_STATUS, (short) driver);
        h.putInt(SgIo.OFF_DURATION, 3);
        h.putInt(SgIo.OFF_INFO, status == 0 && host == 0 ? 0 : 1);
        return h;
    }

    static ScsiSense.Verdict verdictOf(final ByteBuffer h, final byte[] sense) {
        final ScsiSense s = new ScsiSense();
        s.decode(sense, h.get(SgIo.OFF_SB_LEN_WR) & 0xff);
        return ScsiSense.verdict(h.get(SgIo.OFF_STATUS) & 0xff, h.getShort(SgIo.OFF_HOST_STATUS) & 0xffff,
            h.getShort(SgIo.OFF_DRIVER_STATUS) & 0xffff, s);
    }

    @Test
    void classifiesCapturedHeaders() {
        final byte[] none = new byte[0];
        assertEquals(ScsiSense.Verdict.GOOD, verdictOf(header(0, 0, 0, 0), none));
        assertEquals(ScsiSense.Verdict.NOT_READY,
            verdictOf(header(2, 0, ScsiSense.DRIVER_SENSE, 18), FIXED_MEDIUM_NOT_PRESENT));
        assertEquals(ScsiSense.Verdict.NOT_READY, verdictOf(header(2, 0, 0, 8), DESC_BECOMING_READY));
        assertEquals(ScsiSense.Verdict.UNIT_ATTENTION,
            verdictOf(header(2, 0, ScsiSense.DRIVER_SENSE, 18), FIXED_POWER_ON));
        assertEquals(ScsiSense.Verdict.ILLEGAL_REQUEST,
            verdictOf(header(2, 0, 0, 8), bytes(0x72, 0x05, 0x20, 0x00, 0, 0, 0, 0)));
        assertEquals(ScsiSense.Verdict.GOOD,
            verdictOf(header(2, 0, 0, 8), bytes(0x72, 0x01, 0x5d, 0x00, 0, 0, 0, 0)));
        assertEquals(ScsiSense.Verdict.CHECK_CONDITION, verdictOf(header(2, 0, 0, 0), none));
        assertEquals(ScsiSense.Verdict.BUSY, verdictOf(header(8, 0, 0, 0), none));
        assertEquals(ScsiSense.Verdict.BUSY, verdictOf(header(0x28, 0, 0, 0), none));
        assertEquals(ScsiSense.Verdict.RESERVATION_CONFLICT, verdictOf(header(0x18, 0, 0, 0), none));
        assertEquals(ScsiSense.Verdict.OTHER_STATUS, verdictOf(header(0x40, 0, 0, 0), none));
        assertEquals(ScsiSense.Verdict.TRANSPORT, verdictOf(header(0, ScsiSense.DID_NO_CONNECT, 0, 0), none));
        assertEquals(ScsiSense.Verdict.TRANSPORT, verdictOf(header(0, ScsiSense.DID_BUS_BUSY, 0, 0), none));
        assertEquals(ScsiSense.Verdict.TRANSPORT, verdictOf(header(0, ScsiSense.DID_RESET, 0, 0), none));
        assertEquals(ScsiSense.Verdict.DRIVER, verdictOf(header(0, 0, ScsiSense.DRIVER_HARD, 0), none));
    }

    @Test
    void goodStatusWithATimedOutHostIsATimeoutNotASuccess() {
        assertEquals(ScsiSense.Verdict.TIMEOUT, verdictOf(header(0, ScsiSense.DID_TIME_OUT, 0, 0), new byte[0]));
        assertEquals(ScsiSense.Verdict.TIMEOUT, verdictOf(header(0, 0, ScsiSense.DRIVER_TIMEOUT, 0), new byte[0]));
        // a transport failure outranks a CHECK CONDITION that came with it
        assertEquals(ScsiSense.Verdict.TRANSPORT,
            verdictOf(header(2, ScsiSense.DID_ABORT, ScsiSense.DRIVER_SENSE, 18), FIXED_POWER_ON));
    }
}
