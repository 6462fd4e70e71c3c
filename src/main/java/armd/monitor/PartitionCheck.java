package armd.monitor;

import armd.sys.Errno;
import armd.sys.SysException;
import armd.sys.disk.SectorIo;

/**
 * The cluster partition monitor: writes a stamp (magic, server id, sequence number) to this server's own sector
 * with O_DIRECT and reads it back (docs/behaviour.md#monitor-types: an I/O error on the partition is a failure). A
 * short transfer (the device shrank or is gone) or different data read back is a failure too. After a failure the
 * device is closed and opened again at the next probe, so a device that comes back is used again.
 */
final class PartitionCheck implements Check {
    /** "ARMDMON1" in ASCII: marks a sector as a monitor stamp. */
    static final long MAGIC = 0x41524d444d4f4e31L;

    private final String device;
    private final long sector;
    private final long serverId;
    private SectorIo io;
    private long sequence;
    private String why;
    private int errno;
    private long transferred;

    /** Probes sector {@code sector} of {@code device}, stamped with {@code serverId}. */
    PartitionCheck(final String device, final long sector, final int serverId) {
        this.device = device;
        this.sector = sector;
        this.serverId = serverId;
    }

    @Override
    public int probe() {
        if (io == null) {
            try {
                io = SectorIo.open(device);
            } catch (SysException e) {
                why = e.getMessage();
                errno = 0;
                return FAILED;
            }
        }
        sequence++;
        io.fill((byte) 0);
        io.putLong(0, MAGIC);
        io.putLong(8, serverId);
        io.putLong(16, sequence);
        final long w = io.write(sector);
        if (w != io.sectorSize()) {
            return fail("write", w);
        }
        io.putLong(16, -1);
        final long r = io.read(sector);
        if (r != io.sectorSize()) {
            return fail("read", r);
        }
        if (io.getLong(0) != MAGIC || io.getLong(8) != serverId || io.getLong(16) != sequence) {
            return fail("verify", 0);
        }
        return HEALTHY;
    }

    private int fail(final String op, final long rc) {
        why = op;
        errno = rc < 0 ? (int) -rc : 0;
        transferred = rc;
        io.close();
        io = null;
        return FAILED;
    }

    @Override
    public String reason() {
        if (why == null) {
            return "";
        }
        return switch (why) {
            case "write", "read" -> errno != 0
                ? why + " of sector " + sector + " of " + device + " failed: " + Errno.describe(errno)
                : "short " + why + " of sector " + sector + " of " + device + " (" + transferred
                    + " bytes): the device shrank or is gone";
            case "verify" -> "sector " + sector + " of " + device + " read back different data than written";
            default -> why;
        };
    }

    @Override
    public void close() {
        if (io != null) {
            io.close();
            io = null;
        }
    }
}
