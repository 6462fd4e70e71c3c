package armd.heartbeat;

import armd.sys.Errno;
import armd.sys.SysException;
import armd.sys.disk.SectorIo;
import armd.wire.DiskBeat;

import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;

/**
 * The disk heartbeat path: the servers' second way to hear each other, through their shared cluster partition
 * (as CLUSTERPRO's disk heartbeat and Pacemaker's sbd do). Server i owns sector {@code firstSector + i}. Every
 * interval, on a thread of its own, this server writes its {@link DiskBeat} (state, held groups, incarnation and
 * the next sequence) with O_DIRECT and reads every server's sector back: its own to check that the write landed,
 * the others' to report each new beat to the {@link Listener}.
 *
 * <p>Why a thread of its own: O_DIRECT I/O on a sick disk or a lost SAN path can block for seconds or minutes in
 * the kernel; it must never hold up the agent thread or the UDP heartbeats. A second thread, the watchdog, reports
 * an I/O blocked longer than the timeout as the path "not working" while the I/O thread is still stuck.
 *
 * <p>What is reported:
 * <ul>
 *   <li>{@link Listener#onDiskBeat} for every authentic beat of a peer's sector that is newer (incarnation, then
 *       sequence) than the last one read from that sector. What a sector holds when it is first read is the
 *       baseline, never reported: it may be hours old (a peer that died long ago), and only a change proves the
 *       peer writes now. Stale (unchanged) and replayed (older) sectors, blank sectors, bad MACs, other clusters
 *       and other versions are counted ({@link #count}), never reported.</li>
 *   <li>{@link Listener#onDiskPath} when the path's own health changes: "not working" with one line saying what
 *       (an open, write or read error, a short transfer, an I/O longer than the timeout, this server's sector read
 *       back different from what it wrote), "working" after a clean cycle (write and every read complete, each
 *       within the timeout). The first cycle that writes reports the initial state. A path that does not work
 *       is a condition to log and monitor: its silence says nothing about the peers.</li>
 * </ul>
 * After an I/O error the device is closed and opened again at the next cycle, so a device node that comes back
 * (a multipath map, a re-plugged disk behind the same /dev/disk/by-id link) is used again.
 *
 * <p>Nothing is written before the first {@link #publish}; the peers' sectors are read from {@link #start()} on.
 * The steady state allocates nothing: the beat is encoded into one array, copied into the aligned native buffer
 * of {@link SectorIo}, and decoded by a flyweight; strings are built only when the path's health changes.
 */
public final class DiskHeartbeat implements AutoCloseable {
    /**
     * What the disk path tells the agent. Called on the heartbeat's threads (onDiskPath also on the watchdog's),
     * one call at a time, in order; an implementation hands the news over to its own thread and returns at once.
     */
    public interface Listener {
        /**
         * Server {@code peer} wrote a new beat: it was in {@code serverState} (a {@code ServerState} ordinal) and
         * held the groups whose bits are set in {@code heldGroups}, as incarnation {@code incarnation}; the read
         * that saw it ended at {@code readNs} (System.nanoTime()).
         */
        void onDiskBeat(int peer, long incarnation, int serverState, long heldGroups, long readNs);

        /**
         * The disk path started or stopped working at {@code nowNs}: {@code reason} says what (one line, naming
         * the device and sector).
         */
        void onDiskPath(boolean working, String reason, long nowNs);
    }

    /** Count index: a peer sector read again unchanged (the peer writes slower than we read, or not at all). */
    public static final int UNCHANGED = DiskBeat.Result.values().length;
    /** Count index: a peer sector older than one read before (written back from an old copy). */
    public static final int REPLAYED = UNCHANGED + 1;
    /** Count index: a peer beat reported to the listener. */
    public static final int REPORTED = UNCHANGED + 2;
    /** Count index: beats written. */
    public static final int WRITTEN = UNCHANGED + 3;
    private static final int COUNTS = UNCHANGED + 4;

    private static final int PATH_UNKNOWN = -1;
    private static final int PATH_DOWN = 0;
    private static final int PATH_UP = 1;

    private final String device;
    private final long firstSector;
    private final int self;
    private final int servers;
    private final DiskBeat codec;
    private final long intervalNs;
    private final long timeoutNs;
    private final Listener listener;
    private final Thread ioThread;
    private final Thread watchdog;

    // written by publish() under publishLock as a seqlock; read by the I/O thread without a lock
    private final Object publishLock = new Object();
    private volatile long publishVersion;
    private volatile int publishedState;
    private volatile long publishedGroups;

    private final Object incarnationLock = new Object();
    private long incarnation;
    private long sequence;

    // the I/O thread's own
    private final byte[] beat = new byte[SectorIo.ALIGNMENT];
    private final long[] lastIncarnation;
    private final long[] lastSequence;
    private final boolean[] baseline;
    private SectorIo io;
    private long writtenIncarnation;
    private long writtenSequence;

    // the I/O in progress, for the watchdog
    private volatile long ioSinceNs;
    private volatile long ioSector;
    private volatile boolean ioWrite;

    private final Object pathLock = new Object();
    private volatile int path = PATH_UNKNOWN;
    private final AtomicLongArray counts = new AtomicLongArray(COUNTS);
    private volatile boolean running;

    /**
     * A disk heartbeat for server {@code self} of {@code servers} (1..16) on {@code device}, whose server i owns
     * logical sector {@code firstSector + i}; beats are authenticated with the cluster {@code key} and carry
     * {@code clusterId} and the boot {@code incarnation} (the UDP heartbeats' own). One cycle every
     * {@code intervalNs}; an I/O longer than {@code timeoutNs} means the path does not work.
     */
    public DiskHeartbeat(final String device, final long firstSector, final int self, final int servers,
                         final byte[] key, final int clusterId, final long incarnation, final long intervalNs,
                         final long timeoutNs, final Listener listener) {
        if (servers < 1 || servers > 16 || self < 0 || self >= servers || firstSector < 0 || intervalNs <= 0
            || timeoutNs < intervalNs) {
            throw new IllegalArgumentException("disk heartbeat: server " + self + " of " + servers + ", sector "
                + firstSector + ", interval " + intervalNs + " ns, timeout " + timeoutNs + " ns");
        }
        this.device = device;
        this.firstSector = firstSector;
        this.self = self;
        this.servers = servers;
        this.codec = new DiskBeat(key, clusterId);
        this.incarnation = incarnation;
        this.intervalNs = intervalNs;
        this.timeoutNs = timeoutNs;
        this.listener = listener;
        this.lastIncarnation = new long[servers];
        this.lastSequence = new long[servers];
        this.baseline = new boolean[servers];
        this.ioThread = new Thread(this::run, "armd-disk-heartbeat");
        this.ioThread.setDaemon(true);
        this.watchdog = new Thread(this::watch, "armd-disk-heartbeat-watchdog");
        this.watchdog.setDaemon(true);
    }

    /** Starts the I/O thread and its watchdog; the I/O thread opens the device. */
    public void start() {
        running = true;
        ioThread.start();
        watchdog.start();
    }

    /**
     * What this server's beats say from now on: its state (a {@code ServerState} ordinal, 0..255) and the groups
     * it holds (bit g: starting, online, stopping or recovering group g). A change is written at once, not at
     * the next interval. Any thread; the I/O thread never waits for a publisher.
     */
    public void publish(final int serverState, final long heldGroups) {
        if ((serverState & ~0xff) != 0) {
            throw new IllegalArgumentException("server state " + serverState);
        }
        synchronized (publishLock) {
            if (publishVersion != 0 && publishedState == serverState && publishedGroups == heldGroups) {
                return;
            }
            publishVersion = publishVersion + 1; // odd: being written
            publishedState = serverState;
            publishedGroups = heldGroups;
            publishVersion = publishVersion + 1;
        }
        LockSupport.unpark(ioThread);
    }

    /**
     * From the next beat on, this server writes as {@code newIncarnation} (higher than the current one), with
     * sequences from 1 again. Any thread.
     */
    public void incarnation(final long newIncarnation) {
        synchronized (incarnationLock) {
            incarnation = newIncarnation;
            sequence = 0;
        }
        LockSupport.unpark(ioThread);
    }

    private void run() {
        long deadlineNs = System.nanoTime();
        long seenVersion = 0;
        try {
            while (running) {
                if (System.nanoTime() - deadlineNs >= 0 || changed(seenVersion)) {
                    seenVersion = cycle();
                    deadlineNs += intervalNs;
                    final long afterNs = System.nanoTime();
                    if (afterNs - deadlineNs >= 0) {
                        deadlineNs = afterNs + intervalNs; // late by a whole interval (a slow I/O): no burst
                    }
                }
                final long waitNs = deadlineNs - System.nanoTime();
                if (waitNs > 0 && running && !changed(seenVersion)) {
                    // a publish in progress unparks this thread when it is done
                    LockSupport.parkNanos(this, waitNs);
                }
            }
        } finally {
            closeDevice();
        }
    }

    private boolean changed(final long seenVersion) {
        final long v = publishVersion;
        return v != seenVersion && (v & 1) == 0;
    }

    /**
     * One beat: write this server's sector (once something was published), read every sector, report. Returns
     * the publish version written (0 before the first publish). Runs on the I/O thread; public for the
     * benchmark, which calls it on a heartbeat that was never started.
     */
    public long cycle() {
        long v;
        int state;
        long groups;
        do {
            v = publishVersion;
            state = publishedState;
            groups = publishedGroups;
        } while ((v & 1) != 0 || v != publishVersion);
        if (io == null && !open()) {
            return v;
        }
        final int sectorSize = io.sectorSize();
        final boolean write = v != 0;
        if (write) {
            synchronized (incarnationLock) {
                // uncontended but for an incarnation change
                writtenIncarnation = incarnation;
                writtenSequence = ++sequence;
            }
            codec.encode(beat, 0, sectorSize, self, state, 0, writtenIncarnation, writtenSequence, groups);
            io.putBytes(0, beat, 0, sectorSize);
            if (!transfer(true, firstSector + self, sectorSize)) {
                return v;
            }
            counts.incrementAndGet(WRITTEN);
        }
        for (int i = 0; i < servers; i++) {
            if (i == self && !write) {
                continue;
            }
            final long sector = firstSector + i;
            if (!transfer(false, sector, sectorSize)) {
                return v;
            }
            final long readNs = System.nanoTime();
            io.getBytes(0, beat, 0, DiskBeat.LENGTH);
            final DiskBeat.Result r = codec.decode(beat, 0, i);
            if (i == self) {
                if (r != DiskBeat.Result.OK || codec.incarnation() != writtenIncarnation
                    || codec.sequence() != writtenSequence) {
                    readBackMismatch(r, sector);
                    return v;
                }
                continue;
            }
            final boolean first = !baseline[i];
            baseline[i] = true;
            if (r != DiskBeat.Result.OK) {
                counts.incrementAndGet(r.ordinal());
                continue;
            }
            final long inc = codec.incarnation();
            final long seq = codec.sequence();
            if (!DiskBeat.newer(inc, seq, lastIncarnation[i], lastSequence[i])) {
                counts.incrementAndGet(inc == lastIncarnation[i] && seq == lastSequence[i] ? UNCHANGED : REPLAYED);
                continue;
            }
            lastIncarnation[i] = inc;
            lastSequence[i] = seq;
            counts.incrementAndGet(DiskBeat.Result.OK.ordinal());
            if (first) {
                continue; // the baseline: how old it is, nobody knows
            }
            counts.incrementAndGet(REPORTED);
            synchronized (pathLock) {
                // one listener call at a time: the watchdog may be reporting the I/O that has just ended
                listener.onDiskBeat(i, inc, codec.serverState(), codec.heldGroups(), readNs);
            }
        }
        if (write && path != PATH_UP) {
            pathChange(PATH_UP, 0, "disk heartbeat on " + device + " works (sectors " + firstSector + " to "
                + (firstSector + servers - 1) + ")", System.nanoTime());
        }
        return v;
    }

    private boolean open() {
        try {
            io = SectorIo.open(device);
            return true;
        } catch (SysException e) {
            if (path != PATH_DOWN) {
                pathChange(PATH_DOWN, 0, "disk heartbeat: cannot open " + device + ": " + Errno.describe(e.errno()),
                    System.nanoTime());
            }
            return false;
        }
    }

    /** One write or read of {@code sector}, timed and watched; false (path down) when it failed or was too slow. */
    private boolean transfer(final boolean write, final long sector, final int sectorSize) {
        ioWrite = write;
        ioSector = sector;
        final long startNs = System.nanoTime();
        ioSinceNs = startNs == 0 ? 1 : startNs;
        final long rc = write ? io.write(sector) : io.read(sector);
        final long tookNs = System.nanoTime() - startNs;
        ioSinceNs = 0;
        if (rc == sectorSize && tookNs <= timeoutNs) {
            return true;
        }
        if (path != PATH_DOWN) {
            final String what = (write ? "write" : "read") + " of sector " + sector + " of " + device;
            final String why = rc < 0 ? what + " failed: " + Errno.describe((int) -rc)
                : rc != sectorSize ? "short " + what + " (" + rc + " of " + sectorSize + " bytes): the device "
                    + "shrank or is gone"
                : what + " took " + tookNs / 1_000_000 + " ms, longer than the timeout of "
                    + timeoutNs / 1_000_000 + " ms";
            pathChange(PATH_DOWN, 0, "disk heartbeat: " + why, System.nanoTime());
        }
        if (rc != sectorSize) {
            closeDevice(); // opened again at the next cycle
        }
        return false;
    }

    private void readBackMismatch(final DiskBeat.Result r, final long sector) {
        if (path == PATH_DOWN) {
            return;
        }
        final String what = r != DiskBeat.Result.OK
            ? "holds no beat of this server (" + r + ")"
            : "holds incarnation " + codec.incarnation() + " sequence " + codec.sequence() + ", not the "
                + writtenIncarnation + "/" + writtenSequence + " this server wrote";
        pathChange(PATH_DOWN, 0, "disk heartbeat: sector " + sector + " of " + device + " read back " + what
            + ": does another server write it (the same position in another file, or another sector setting)?",
            System.nanoTime());
    }

    /**
     * Reports a change of the path's health, once: a transition already made is not repeated. {@code ioSince}:
     * the watchdog's report is about that I/O, and is dropped when it has ended meanwhile (0: not the watchdog).
     */
    private void pathChange(final int newPath, final long ioSince, final String reason, final long nowNs) {
        synchronized (pathLock) {
            if (path == newPath || ioSince != 0 && ioSinceNs != ioSince) {
                return;
            }
            path = newPath;
            listener.onDiskPath(newPath == PATH_UP, reason, nowNs);
        }
    }

    private void watch() {
        final long periodNs = Math.max(1_000_000L, Math.min(intervalNs, timeoutNs / 4));
        long reportedSince = 0;
        while (running) {
            LockSupport.parkNanos(this, periodNs);
            final long since = ioSinceNs;
            final long nowNs = System.nanoTime();
            if (since != 0 && since != reportedSince && nowNs - since > timeoutNs && running) {
                reportedSince = since;
                if (path != PATH_DOWN) {
                    pathChange(PATH_DOWN, since, "disk heartbeat: " + (ioWrite ? "a write" : "a read")
                        + " of sector " + ioSector + " of " + device + " has been blocked for more than "
                        + timeoutNs / 1_000_000 + " ms (the disk or its path does not answer)", nowNs);
                }
            }
        }
    }

    private void closeDevice() {
        if (io != null) {
            io.close();
            io = null;
        }
    }

    /**
     * How often each thing happened: index a {@link DiskBeat.Result} ordinal (peer sectors read with that
     * result; OK counts newer beats, the baseline included), or {@link #UNCHANGED}, {@link #REPLAYED},
     * {@link #REPORTED}, {@link #WRITTEN}.
     */
    public long count(final int index) {
        return counts.get(index);
    }

    /** The count of peer sectors read with result {@code r}. */
    public long count(final DiskBeat.Result r) {
        return counts.get(r.ordinal());
    }

    /** Whether the path works (true), does not (false), or is not known yet (null). */
    public Boolean working() {
        final int p = path;
        return p == PATH_UNKNOWN ? null : p == PATH_UP;
    }

    /** One line for a log or a failed test: the path, the threads, what is in flight, the counts; allocates. */
    @Override
    public String toString() {
        final long since = ioSinceNs;
        final StringBuilder sb = new StringBuilder("disk heartbeat on ").append(device).append(": path ")
            .append(path == PATH_UNKNOWN ? "unknown" : path == PATH_UP ? "working" : "not working")
            .append(", I/O thread ").append(ioThread.getState()).append(", watchdog ").append(watchdog.getState());
        if (since != 0) {
            sb.append(", ").append(ioWrite ? "write" : "read").append(" of sector ").append(ioSector)
                .append(" in flight for ").append((System.nanoTime() - since) / 1_000_000).append(" ms");
        }
        sb.append(", written ").append(count(WRITTEN)).append(", reported ").append(count(REPORTED))
            .append(", unchanged ").append(count(UNCHANGED)).append(", replayed ").append(count(REPLAYED));
        for (final DiskBeat.Result r : DiskBeat.Result.values()) {
            sb.append(", ").append(r.name().toLowerCase(java.util.Locale.ROOT)).append(' ').append(count(r));
        }
        return sb.toString();
    }

    /** The boot incarnation written. */
    public long incarnation() {
        synchronized (incarnationLock) {
            return incarnation;
        }
    }

    /**
     * Stops both threads and waits up to {@code waitMs} for the I/O thread, which closes the device. An I/O stuck
     * in the kernel cannot be waited for: its thread (a daemon) closes the device when the I/O returns.
     */
    public void close(final long waitMs) {
        running = false;
        LockSupport.unpark(ioThread);
        LockSupport.unpark(watchdog);
        try {
            if (ioThread.isAlive()) {
                ioThread.join(waitMs);
            }
            if (watchdog.isAlive()) {
                watchdog.join(waitMs);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!ioThread.isAlive() && ioThread.getState() == Thread.State.NEW) {
            closeDevice(); // never started (the benchmark)
        }
    }

    /** {@link #close(long)} with one interval plus a second. */
    @Override
    public void close() {
        close(intervalNs / 1_000_000L + 1000L);
    }
}
