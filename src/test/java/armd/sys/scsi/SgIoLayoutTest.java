package armd.sys.scsi;

import static org.junit.jupiter.api.Assertions.assertEquals;

import armd.sys.SysLayoutFixture;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;

import org.junit.jupiter.api.Test;

/**
 * Pins sg_io_hdr_t (scsi/sg.h) against the LP64 ABI that x86_64 and aarch64 share, and against what the C
 * compiler makes of the header (the sys-layout.tsv fixture).
 */
class SgIoLayoutTest {
    /** The C declaration, field by field, with the padding the C compiler inserts. */
    static final StructLayout SG_IO_HDR = MemoryLayout.structLayout(
        ValueLayout.JAVA_INT.withName("interface_id"),
        ValueLayout.JAVA_INT.withName("dxfer_direction"),
        ValueLayout.JAVA_BYTE.withName("cmd_len"),
        ValueLayout.JAVA_BYTE.withName("mx_sb_len"),
        ValueLayout.JAVA_SHORT.withName("iovec_count"),
        ValueLayout.JAVA_INT.withName("dxfer_len"),
        ValueLayout.ADDRESS.withName("dxferp"),
        ValueLayout.ADDRESS.withName("cmdp"),
        ValueLayout.ADDRESS.withName("sbp"),
        ValueLayout.JAVA_INT.withName("timeout"),
        ValueLayout.JAVA_INT.withName("flags"),
        ValueLayout.JAVA_INT.withName("pack_id"),
        MemoryLayout.paddingLayout(4),
        ValueLayout.ADDRESS.withName("usr_ptr"),
        ValueLayout.JAVA_BYTE.withName("status"),
        ValueLayout.JAVA_BYTE.withName("masked_status"),
        ValueLayout.JAVA_BYTE.withName("msg_status"),
        ValueLayout.JAVA_BYTE.withName("sb_len_wr"),
        ValueLayout.JAVA_SHORT.withName("host_status"),
        ValueLayout.JAVA_SHORT.withName("driver_status"),
        ValueLayout.JAVA_INT.withName("resid"),
        ValueLayout.JAVA_INT.withName("duration"),
        ValueLayout.JAVA_INT.withName("info"),
        MemoryLayout.paddingLayout(4));

    /** Every field SgIo reads or writes. */
    static final String[] FIELDS = {
        "interface_id", "dxfer_direction", "cmd_len", "mx_sb_len", "iovec_count", "dxfer_len", "dxferp", "cmdp",
        "sbp", "timeout", "flags", "pack_id", "usr_ptr", "status", "masked_status", "msg_status", "sb_len_wr",
        "host_status", "driver_status", "resid", "duration", "info"};

    static long off(final String field) {
        return SG_IO_HDR.byteOffset(PathElement.groupElement(field));
    }

    @Test
    void sizeAndOffsetsMatchTheKernelAbi() {
        assertEquals(88, SgIo.HDR_SIZE);
        assertEquals(SG_IO_HDR.byteSize(), SgIo.HDR_SIZE);
        assertEquals(off("interface_id"), SgIo.OFF_INTERFACE_ID);
        assertEquals(off("dxfer_direction"), SgIo.OFF_DXFER_DIRECTION);
        assertEquals(off("cmd_len"), SgIo.OFF_CMD_LEN);
        assertEquals(off("mx_sb_len"), SgIo.OFF_MX_SB_LEN);
        assertEquals(off("iovec_count"), SgIo.OFF_IOVEC_COUNT);
        assertEquals(off("dxfer_len"), SgIo.OFF_DXFER_LEN);
        assertEquals(off("dxferp"), SgIo.OFF_DXFERP);
        assertEquals(off("cmdp"), SgIo.OFF_CMDP);
        assertEquals(off("sbp"), SgIo.OFF_SBP);
        assertEquals(off("timeout"), SgIo.OFF_TIMEOUT);
        assertEquals(off("flags"), SgIo.OFF_FLAGS);
        assertEquals(off("pack_id"), SgIo.OFF_PACK_ID);
        assertEquals(off("usr_ptr"), SgIo.OFF_USR_PTR);
        assertEquals(off("status"), SgIo.OFF_STATUS);
        assertEquals(off("masked_status"), SgIo.OFF_MASKED_STATUS);
        assertEquals(off("msg_status"), SgIo.OFF_MSG_STATUS);
        assertEquals(off("sb_len_wr"), SgIo.OFF_SB_LEN_WR);
        assertEquals(off("host_status"), SgIo.OFF_HOST_STATUS);
        assertEquals(off("driver_status"), SgIo.OFF_DRIVER_STATUS);
        assertEquals(off("resid"), SgIo.OFF_RESID);
        assertEquals(off("duration"), SgIo.OFF_DURATION);
        assertEquals(off("info"), SgIo.OFF_INFO);
    }

    @Test
    void pinnedOffsetsAsGccReportsThem() {
        // offsetof() on x86_64 Debian 12 (gcc 12, scsi/sg.h)
        assertEquals(24, SgIo.OFF_CMDP);
        assertEquals(32, SgIo.OFF_SBP);
        assertEquals(40, SgIo.OFF_TIMEOUT);
        assertEquals(64, SgIo.OFF_STATUS);
        assertEquals(67, SgIo.OFF_SB_LEN_WR);
        assertEquals(68, SgIo.OFF_HOST_STATUS);
        assertEquals(70, SgIo.OFF_DRIVER_STATUS);
        assertEquals(80, SgIo.OFF_INFO);
        assertEquals(0x2285, SgIo.SG_IO);
        assertEquals(-1, SgIo.SG_DXFER_NONE);
    }

    @Test
    void theModelMatchesTheCHeader() {
        assertEquals(SysLayoutFixture.value("sg_io_hdr.size"), SG_IO_HDR.byteSize());
        for (final String field : FIELDS) {
            assertEquals(SysLayoutFixture.value("sg_io_hdr." + field), off(field), field);
        }
        assertEquals(SysLayoutFixture.value("SG_IO"), SgIo.SG_IO);
        assertEquals(SysLayoutFixture.value("SG_DXFER_NONE"), SgIo.SG_DXFER_NONE);
        assertEquals(SysLayoutFixture.value("O_RDONLY"), SgIo.O_RDONLY);
        assertEquals(SysLayoutFixture.value("O_NONBLOCK"), SgIo.O_NONBLOCK);
        assertEquals(SysLayoutFixture.value("O_CLOEXEC"), SgIo.O_CLOEXEC);
    }
}
