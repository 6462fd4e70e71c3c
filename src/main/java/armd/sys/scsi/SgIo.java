package armd.sys.scsi;

import armd.sys.Errno;
import armd.sys.Libc;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * One open SCSI device and the SG_IO ioctl (scsi/sg.h) for TEST UNIT READY and other commands
 * ({@link #command}: PERSISTENT RESERVE IN/OUT): the header, the CDB, the sense and data buffers are allocated
 * once at {@link #open} and reused, so {@link #testUnitReady} and {@link #command} allocate nothing.
 * The syscall layer only moves bytes: the caller decodes the outcome with {@code armd.wire.ScsiSense}.
 *
 * <p>Not thread-safe: one caller at a time (SG_IO blocks up to the timeout). {@link #close()} may be called
 * from another thread once no call is in progress.
 *
 * <pre>
 * struct sg_io_hdr (scsi/sg.h), x86_64 and aarch64 (LP64), 88 bytes:
 *    0 int interface_id        'S'             40 unsigned timeout (ms)
 *    4 int dxfer_direction     SG_DXFER_*      44 unsigned flags
 *    8 uchar cmd_len                           48 int pack_id
 *    9 uchar mx_sb_len                         56 void *usr_ptr
 *   10 ushort iovec_count                      64 uchar status         (SAM status byte)
 *   12 unsigned dxfer_len                      65 uchar masked_status  (obsolete: status >> 1)
 *   16 void *dxferp                            66 uchar msg_status
 *   24 uchar *cmdp                             67 uchar sb_len_wr      (sense bytes written)
 *   32 uchar *sbp                              68 ushort host_status   (DID_*)
 *                                              70 ushort driver_status (DRIVER_*)
 *                                              72 int resid
 *                                              76 unsigned duration (ms)
 *                                              80 unsigned info        (SG_INFO_*)
 * </pre>
 */
public final class SgIo implements AutoCloseable {
    /** SG_IO ioctl request number (scsi/sg.h). */
    public static final long SG_IO = 0x2285;
    /** sizeof(sg_io_hdr_t) on LP64. */
    public static final int HDR_SIZE = 88;
    public static final int OFF_INTERFACE_ID = 0;
    public static final int OFF_DXFER_DIRECTION = 4;
    public static final int OFF_CMD_LEN = 8;
    public static final int OFF_MX_SB_LEN = 9;
    public static final int OFF_IOVEC_COUNT = 10;
    public static final int OFF_DXFER_LEN = 12;
    public static final int OFF_DXFERP = 16;
    public static final int OFF_CMDP = 24;
    public static final int OFF_SBP = 32;
    public static final int OFF_TIMEOUT = 40;
    public static final int OFF_FLAGS = 44;
    public static final int OFF_PACK_ID = 48;
    public static final int OFF_USR_PTR = 56;
    public static final int OFF_STATUS = 64;
    public static final int OFF_MASKED_STATUS = 65;
    public static final int OFF_MSG_STATUS = 66;
    public static final int OFF_SB_LEN_WR = 67;
    public static final int OFF_HOST_STATUS = 68;
    public static final int OFF_DRIVER_STATUS = 70;
    public static final int OFF_RESID = 72;
    public static final int OFF_DURATION = 76;
    public static final int OFF_INFO = 80;
    /** interface_id of the v3 interface. */
    public static final int INTERFACE_ID = 'S';
    /** No data transfer (scsi/sg.h). */
    public static final int SG_DXFER_NONE = -1;
    /** Data from the caller to the device (scsi/sg.h). */
    public static final int SG_DXFER_TO_DEV = -2;
    /** Data from the device to the caller (scsi/sg.h). */
    public static final int SG_DXFER_FROM_DEV = -3;
    /** The data buffer of {@link #command}: the largest transfer it takes. */
    public static final int DATA_SIZE = 8192;
    /** The longest CDB {@link #command} takes. */
    public static final int MAX_CDB_LEN = 16;
    /** Sense buffer size: SPC allows up to 252 bytes; the fixed format needs 18, descriptors a few dozen. */
    public static final int SENSE_SIZE = 64;
    /** TEST UNIT READY: operation code 0x00, a 6-byte CDB of zeros (SPC-5 6.47). */
    public static final int TUR_CDB_LEN = 6;

    /** open(2) flags (asm-generic/fcntl.h; the same values on x86_64 and aarch64). */
    static final int O_RDONLY = 0;
    static final int O_NONBLOCK = 0x800;
    static final int O_CLOEXEC = 0x80000;

    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;

    private final String device;
    private final Arena arena;
    private final MemorySegment hdr;
    private final MemorySegment cdb;
    private final MemorySegment sense;
    private final MemorySegment data;
    private int fd;

    private SgIo(final String device, final Arena arena, final int fd) {
        this.device = device;
        this.arena = arena;
        this.fd = fd;
        this.hdr = arena.allocate(HDR_SIZE, 8);
        this.cdb = arena.allocate(16, 8);
        this.sense = arena.allocate(SENSE_SIZE, 8);
        this.data = arena.allocate(DATA_SIZE, 8);
    }

    /**
     * Opens {@code device} read-only, non-blocking and close-on-exec (what SG_IO needs: no write access, and
     * an sg node must not block in open). Throws {@link armd.sys.SysException} naming the device on failure.
     */
    public static SgIo open(final String device) {
        final Arena arena = Arena.ofShared();
        try {
            final MemorySegment path = arena.allocateFrom(device);
            final int fd = Errno.check(Libc.open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC, 0), "open", device);
            return new SgIo(device, arena, fd);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /** The device path given to {@link #open}. */
    public String device() {
        return device;
    }

    /**
     * Sends TEST UNIT READY and waits for it, at most {@code timeoutMs} in the kernel. Returns 0 when the
     * ioctl completed (read the outcome with the accessors) or -errno when SG_IO itself failed (ENOTTY or
     * EINVAL: the device does not support SG_IO). Allocates nothing.
     */
    public int testUnitReady(final int timeoutMs) {
        hdr.fill((byte) 0);
        cdb.fill((byte) 0);
        hdr.set(INT, OFF_INTERFACE_ID, INTERFACE_ID);
        hdr.set(INT, OFF_DXFER_DIRECTION, SG_DXFER_NONE);
        hdr.set(ValueLayout.JAVA_BYTE, OFF_CMD_LEN, (byte) TUR_CDB_LEN);
        hdr.set(ValueLayout.JAVA_BYTE, OFF_MX_SB_LEN, (byte) SENSE_SIZE);
        hdr.set(ValueLayout.ADDRESS_UNALIGNED, OFF_CMDP, cdb);
        hdr.set(ValueLayout.ADDRESS_UNALIGNED, OFF_SBP, sense);
        hdr.set(INT, OFF_TIMEOUT, timeoutMs);
        return Libc.ioctl(fd, SG_IO, hdr);
    }

    /**
     * Sends the CDB {@code cdbBytes[0, cdbLength)} with a data transfer of {@code dataLength} bytes in
     * {@code direction} ({@link #SG_DXFER_NONE}, {@link #SG_DXFER_TO_DEV}: taken from {@code out}, or
     * {@link #SG_DXFER_FROM_DEV}: read them with {@link #copyData}), waiting at most {@code timeoutMs} in the kernel.
     * Returns 0 when the ioctl completed (the accessors give the outcome) or -errno. Needs CAP_SYS_RAWIO for
     * commands that change the device (the descriptor is read-only). Allocates nothing.
     */
    public int command(final byte[] cdbBytes, final int cdbLength, final int direction, final byte[] out,
                       final int dataLength, final int timeoutMs) {
        if (cdbLength < 6 || cdbLength > MAX_CDB_LEN || dataLength < 0 || dataLength > DATA_SIZE
            || direction == SG_DXFER_NONE && dataLength != 0
            || direction != SG_DXFER_NONE && direction != SG_DXFER_TO_DEV && direction != SG_DXFER_FROM_DEV) {
            throw new IllegalArgumentException("SG_IO: CDB " + cdbLength + " bytes, direction " + direction
                + ", data " + dataLength + " bytes");
        }
        hdr.fill((byte) 0);
        cdb.fill((byte) 0);
        MemorySegment.copy(cdbBytes, 0, cdb, ValueLayout.JAVA_BYTE, 0, cdbLength);
        if (direction == SG_DXFER_TO_DEV) {
            MemorySegment.copy(out, 0, data, ValueLayout.JAVA_BYTE, 0, dataLength);
        }
        hdr.set(INT, OFF_INTERFACE_ID, INTERFACE_ID);
        hdr.set(INT, OFF_DXFER_DIRECTION, direction);
        hdr.set(ValueLayout.JAVA_BYTE, OFF_CMD_LEN, (byte) cdbLength);
        hdr.set(ValueLayout.JAVA_BYTE, OFF_MX_SB_LEN, (byte) SENSE_SIZE);
        hdr.set(INT, OFF_DXFER_LEN, dataLength);
        hdr.set(ValueLayout.ADDRESS_UNALIGNED, OFF_DXFERP, data);
        hdr.set(ValueLayout.ADDRESS_UNALIGNED, OFF_CMDP, cdb);
        hdr.set(ValueLayout.ADDRESS_UNALIGNED, OFF_SBP, sense);
        hdr.set(INT, OFF_TIMEOUT, timeoutMs);
        return Libc.ioctl(fd, SG_IO, hdr);
    }

    /** The residual count of the last command: bytes of its data transfer not done (0 when all were). */
    public int resid() {
        return hdr.get(INT, OFF_RESID);
    }

    /** Copies the first {@code length} bytes of the data buffer (what a FROM_DEV command read) into {@code dst}. */
    public void copyData(final byte[] dst, final int length) {
        MemorySegment.copy(data, ValueLayout.JAVA_BYTE, 0, dst, 0, Math.min(length, DATA_SIZE));
    }

    /** The SAM status byte of the last command. */
    public int status() {
        return hdr.get(ValueLayout.JAVA_BYTE, OFF_STATUS) & 0xff;
    }

    /** host_status (DID_*) of the last command. */
    public int hostStatus() {
        return hdr.get(SHORT, OFF_HOST_STATUS) & 0xffff;
    }

    /** driver_status (DRIVER_*) of the last command. */
    public int driverStatus() {
        return hdr.get(SHORT, OFF_DRIVER_STATUS) & 0xffff;
    }

    /** The number of sense bytes the kernel wrote for the last command. */
    public int senseLength() {
        return Math.min(hdr.get(ValueLayout.JAVA_BYTE, OFF_SB_LEN_WR) & 0xff, SENSE_SIZE);
    }

    /** The kernel's measure of the last command's duration, in ms. */
    public int durationMs() {
        return hdr.get(INT, OFF_DURATION);
    }

    /** Copies the last command's sense bytes into {@code dst} (no allocation); returns how many. */
    public int copySense(final byte[] dst) {
        final int n = Math.min(senseLength(), dst.length);
        MemorySegment.copy(sense, ValueLayout.JAVA_BYTE, 0, dst, 0, n);
        return n;
    }

    /** Closes the device and frees the buffers; idempotent. */
    @Override
    public void close() {
        if (fd >= 0) {
            Libc.close(fd);
            fd = -1;
            arena.close();
        }
    }
}
