package armd.sys.disk;

import armd.sys.Errno;
import armd.sys.Libc;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * One sector of a block device read and written with O_DIRECT, so every call reaches the device instead of
 * the page cache (the cluster partition monitor). The buffer is one logical sector (BLKSSZGET: 512 or 4096
 * bytes), 4096-byte aligned, allocated once at {@link #open}: {@link #write} and {@link #read} allocate
 * nothing. Every call returns the result or {@code -errno}.
 *
 * <p>Not thread-safe: one owner.
 */
public final class SectorIo implements AutoCloseable {
    /** open(2) flags (asm-generic/fcntl.h, x86_64 and aarch64 alike except O_DIRECT). */
    static final int O_RDWR = 2;
    static final int O_DSYNC = 0x1000;
    static final int O_CLOEXEC = 0x80000;
    /** O_DIRECT: 040000 on x86_64 (asm-generic), 0200000 on aarch64 (arch/arm64/include/uapi/asm/fcntl.h). */
    static final int O_DIRECT = "aarch64".equals(System.getProperty("os.arch")) ? 0x10000 : 0x4000;
    /** BLKSSZGET = _IO(0x12, 104) (linux/fs.h): the logical sector size, an int. */
    static final long BLKSSZGET = 0x1268;
    /** The alignment O_DIRECT needs at most (the largest logical sector size in use). */
    public static final int ALIGNMENT = 4096;

    private final Arena arena = Arena.ofShared();
    private final String device;
    private final int fd;
    private final int sectorSize;
    private final MemorySegment buffer;

    private SectorIo(final String device, final int fd, final int sectorSize) {
        this.device = device;
        this.fd = fd;
        this.sectorSize = sectorSize;
        this.buffer = arena.allocate(sectorSize, ALIGNMENT);
    }

    /**
     * Opens {@code device} for O_DIRECT reads and writes. Returns the open sector or throws
     * {@link armd.sys.SysException} naming the device (ENOENT, ENXIO: it is gone; EINVAL: no O_DIRECT).
     * A file that is not a block device gets {@link #ALIGNMENT}-byte sectors (tests).
     */
    public static SectorIo open(final String device) {
        final int fd;
        final int size;
        try (Arena a = Arena.ofConfined()) {
            fd = Errno.check(Libc.open(a.allocateFrom(device), O_RDWR | O_DIRECT | O_DSYNC | O_CLOEXEC, 0),
                "open", device);
            final MemorySegment out = a.allocate(ValueLayout.JAVA_INT);
            final int rc = Libc.ioctl(fd, BLKSSZGET, out);
            size = rc < 0 ? ALIGNMENT : out.get(ValueLayout.JAVA_INT, 0);
        }
        if (size < 512 || size > ALIGNMENT || Integer.bitCount(size) != 1) {
            Libc.close(fd);
            throw new armd.sys.SysException("ioctl(BLKSSZGET)", device, Errno.EINVAL);
        }
        return new SectorIo(device, fd, size);
    }

    /** The device path. */
    public String device() {
        return device;
    }

    /** The logical sector size in bytes. */
    public int sectorSize() {
        return sectorSize;
    }

    /** Puts {@code value} at byte {@code offset} of the buffer (native order). */
    public void putLong(final int offset, final long value) {
        buffer.set(ValueLayout.JAVA_LONG_UNALIGNED, offset, value);
    }

    /** The long at byte {@code offset} of the buffer. */
    public long getLong(final int offset) {
        return buffer.get(ValueLayout.JAVA_LONG_UNALIGNED, offset);
    }

    /** Copies {@code src[srcOffset, srcOffset + length)} into the buffer at byte {@code offset}. */
    public void putBytes(final int offset, final byte[] src, final int srcOffset, final int length) {
        MemorySegment.copy(src, srcOffset, buffer, ValueLayout.JAVA_BYTE, offset, length);
    }

    /** Copies {@code length} bytes of the buffer from byte {@code offset} into {@code dst} at {@code dstOffset}. */
    public void getBytes(final int offset, final byte[] dst, final int dstOffset, final int length) {
        MemorySegment.copy(buffer, ValueLayout.JAVA_BYTE, offset, dst, dstOffset, length);
    }

    /** Fills the buffer with {@code b}. */
    public void fill(final byte b) {
        buffer.fill(b);
    }

    /** pwrite(2) of the buffer to logical sector {@code sector}: bytes written or -errno. */
    public long write(final long sector) {
        long rc;
        do {
            rc = Libc.pwrite(fd, buffer, sectorSize, sector * sectorSize);
        } while (rc == -Errno.EINTR);
        return rc;
    }

    /** pread(2) of logical sector {@code sector} into the buffer: bytes read or -errno. */
    public long read(final long sector) {
        long rc;
        do {
            rc = Libc.pread(fd, buffer, sectorSize, sector * sectorSize);
        } while (rc == -Errno.EINTR);
        return rc;
    }

    /** Closes the device and frees the buffer; call once. */
    @Override
    public void close() {
        Libc.close(fd);
        arena.close();
    }
}
