package armd.heartbeat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import armd.it.LoopDisk;
import armd.it.Netns;
import armd.sys.disk.SectorIo;
import armd.wire.DiskBeat;
import armd.wire.HeartbeatFrame;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The disk heartbeat on a real loop device shared by two heartbeats in this JVM (the two servers of a cluster):
 * each sees the other's beats; a disk that fails (ENOSPC, EIO) or blocks (a frozen backing file system) stops the
 * path within a bound and a healed one starts it again; forged, foreign, replayed and stale sectors are counted,
 * never reported. Every wait is on a condition with a generous failure-only deadline (the machine may be loaded).
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class DiskHeartbeatIT {
    private static final long DEADLINE_MS = 30_000;
    private static final int CLUSTER = HeartbeatFrame.clusterId("disk-it");
    private static final long FIRST_SECTOR = 8;

    private static byte[] key(final int seed) {
        final byte[] k = new byte[32];
        for (int i = 0; i < k.length; i++) {
            k[i] = (byte) (i * 13 + seed);
        }
        return k;
    }

    /** What a listener was told, in order. */
    static final class Recorder implements DiskHeartbeat.Listener {
        record Beat(int peer, long incarnation, int state, long groups) {
        }

        record PathEvent(boolean working, String reason) {
        }

        private final List<Beat> beats = new ArrayList<>();
        private final List<PathEvent> paths = new ArrayList<>();

        @Override
        public synchronized void onDiskBeat(final int peer, final long incarnation, final int serverState,
                                            final long heldGroups, final long readNs) {
            beats.add(new Beat(peer, incarnation, serverState, heldGroups));
        }

        @Override
        public synchronized void onDiskPath(final boolean working, final String reason, final long nowNs) {
            paths.add(new PathEvent(working, reason));
        }

        synchronized List<Beat> beats() {
            return List.copyOf(beats);
        }

        synchronized List<PathEvent> paths() {
            return List.copyOf(paths);
        }

        synchronized boolean saw(final Beat b) {
            return beats.contains(b);
        }

        /** The last path event, or null. */
        synchronized PathEvent last() {
            return paths.isEmpty() ? null : paths.getLast();
        }

        synchronized boolean lastWorking() {
            return !paths.isEmpty() && paths.getLast().working();
        }

        /** A "not working" event after the first {@code after} events whose reason contains {@code text}. */
        synchronized boolean downSince(final int after, final String text) {
            for (int i = after; i < paths.size(); i++) {
                if (!paths.get(i).working() && paths.get(i).reason().contains(text)) {
                    return true;
                }
            }
            return false;
        }
    }

    private static void await(final String what, final BooleanSupplier condition, final Object state)
        throws InterruptedException {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DEADLINE_MS);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("not within " + DEADLINE_MS + " ms: " + what + "; state: " + state);
            }
            Thread.sleep(5);
        }
    }

    /** The device's size in bytes as the kernel sees it, for failure messages. */
    private static String size(final LoopDisk disk) {
        try {
            return Netns.run("blockdev", "--getsize64", disk.device()).strip();
        } catch (java.io.IOException e) {
            return e.getMessage();
        }
    }

    private static DiskHeartbeat heartbeat(final LoopDisk disk, final int self, final int servers, final long inc,
                                           final long intervalMs, final long timeoutMs, final Recorder r) {
        return new DiskHeartbeat(disk.device(), FIRST_SECTOR, self, servers, key(0), CLUSTER, inc,
            TimeUnit.MILLISECONDS.toNanos(intervalMs), TimeUnit.MILLISECONDS.toNanos(timeoutMs), r);
    }

    @Test
    void twoServersOnOneDiskSeeEachOthersBeats() throws Exception {
        Netns.assumeRoot();
        try (LoopDisk disk = LoopDisk.blank(4)) {
            final Recorder r0 = new Recorder();
            final Recorder r1 = new Recorder();
            try (DiskHeartbeat s0 = heartbeat(disk, 0, 2, 1000, 20, 10_000, r0);
                 DiskHeartbeat s1 = heartbeat(disk, 1, 2, 2000, 20, 10_000, r1)) {
                s0.publish(1, 0b101);
                s1.publish(1, 0b010);
                s0.start();
                s1.start();
                await("server 1 sees server 0's beat", () -> r1.saw(new Recorder.Beat(0, 1000, 1, 0b101)), r1.beats());
                await("server 0 sees server 1's beat", () -> r0.saw(new Recorder.Beat(1, 2000, 1, 0b010)), r0.beats());
                // a change is written at once and seen by the other
                s0.publish(2, 1L << 47);
                await("server 1 sees server 0's new state", () -> r1.saw(new Recorder.Beat(0, 1000, 2, 1L << 47)),
                    r1.beats());
                // a restart of server 1 (new incarnation, sequences from 1 again) is seen as newer
                s1.incarnation(2001);
                await("server 0 sees server 1's new incarnation", () -> r0.saw(new Recorder.Beat(1, 2001, 1, 0b010)),
                    r0.beats());
                assertEquals(List.of(new Recorder.PathEvent(true, "disk heartbeat on " + disk.device()
                    + " works (sectors 8 to 9)")), r0.paths());
                assertTrue(r1.lastWorking(), r1.paths().toString());
                assertTrue(s0.count(DiskHeartbeat.WRITTEN) > 0);
                assertEquals(0, s0.count(DiskBeat.Result.BAD_MAC));
                assertTrue(r0.beats().stream().allMatch(b -> b.peer() == 1), "only the peer is reported");
            }
        }
    }

    @Test
    void whatASectorHeldBeforeIsABaselineNotABeat() throws Exception {
        Netns.assumeRoot();
        try (LoopDisk disk = LoopDisk.blank(4)) {
            final Recorder r0 = new Recorder();
            try (DiskHeartbeat s0 = heartbeat(disk, 0, 2, 1000, 20, 10_000, r0)) {
                s0.publish(1, 1);
                s0.start();
                await("server 0 writes", () -> r0.lastWorking(), r0.paths());
            }
            // server 0 is gone; a server 1 starting now finds its last beat, which proves nothing about now
            final Recorder r1 = new Recorder();
            try (DiskHeartbeat s1 = heartbeat(disk, 1, 2, 2000, 20, 10_000, r1)) {
                s1.publish(1, 0);
                s1.start();
                await("server 1 reads server 0's sector again and again", () -> s1.count(DiskHeartbeat.UNCHANGED) >= 5,
                    r1.beats());
                assertEquals(1, s1.count(DiskBeat.Result.OK), "the baseline");
                assertEquals(List.of(), r1.beats());
                assertEquals(0, s1.count(DiskHeartbeat.REPORTED));
            }
        }
    }

    @Test
    void forgedForeignReplayedAndMisplacedSectorsAreCountedNotReported() throws Exception {
        Netns.assumeRoot();
        try (LoopDisk disk = LoopDisk.blank(4); SectorIo io = SectorIo.open(disk.device())) {
            final int size = io.sectorSize();
            final byte[] sector = new byte[size];
            final DiskBeat genuine = new DiskBeat(key(0), CLUSTER);
            final DiskBeat forger = new DiskBeat(key(1), CLUSTER);
            final DiskBeat foreign = new DiskBeat(key(0), HeartbeatFrame.clusterId("other"));
            // the test plays server 0, writing its sector directly; groups = sequence, to tell the beats apart
            final java.util.function.BiConsumer<DiskBeat, long[]> put = (codec, f) -> {
                codec.encode(sector, 0, size, (int) f[0], 1, 0, f[1], f[2], f[2]);
                io.putBytes(0, sector, 0, size);
                assertEquals(size, io.write(FIRST_SECTOR));
            };
            put.accept(genuine, new long[] {0, 77, 1});
            final Recorder r1 = new Recorder();
            try (DiskHeartbeat s1 = heartbeat(disk, 1, 2, 2000, 20, 10_000, r1)) {
                s1.publish(1, 0);
                s1.start();
                await("the baseline is read", () -> s1.count(DiskBeat.Result.OK) == 1, r1.beats());
                put.accept(genuine, new long[] {0, 77, 2});
                await("a new beat is reported", () -> r1.saw(new Recorder.Beat(0, 77, 1, 2)), r1.beats());
                put.accept(forger, new long[] {0, 77, 3});
                await("a forged beat is counted", () -> s1.count(DiskBeat.Result.BAD_MAC) > 0, r1.beats());
                put.accept(foreign, new long[] {0, 77, 4});
                await("another cluster's beat is counted", () -> s1.count(DiskBeat.Result.FOREIGN_CLUSTER) > 0,
                    r1.beats());
                put.accept(genuine, new long[] {1, 77, 5});
                await("server 1's beat in server 0's sector is counted",
                    () -> s1.count(DiskBeat.Result.WRONG_SENDER) > 0, r1.beats());
                put.accept(genuine, new long[] {0, 77, 1});
                await("an old beat written back is counted", () -> s1.count(DiskHeartbeat.REPLAYED) > 0,
                    r1.beats());
                put.accept(genuine, new long[] {0, 76, 9});
                await("a beat of an older incarnation is counted", () -> s1.count(DiskHeartbeat.REPLAYED) > 1,
                    r1.beats());
                io.fill((byte) 0);
                assertEquals(size, io.write(FIRST_SECTOR));
                await("a blank sector is counted", () -> s1.count(DiskBeat.Result.BLANK) > 0, r1.beats());
                put.accept(genuine, new long[] {0, 77, 6});
                await("the next genuine beat is reported", () -> r1.saw(new Recorder.Beat(0, 77, 1, 6)), r1.beats());
                assertEquals(List.of(new Recorder.Beat(0, 77, 1, 2), new Recorder.Beat(0, 77, 1, 6)), r1.beats());
                assertTrue(r1.lastWorking(), "a peer's bad sector is not the path's fault: " + r1.paths());
            }
        }
    }

    @Test
    void aDiskWithoutItsMediumStopsThePathAndItsReturnStartsItAgainThenEioStopsIt() throws Exception {
        Netns.assumeRoot();
        try (LoopDisk disk = LoopDisk.blank(4)) {
            final Recorder r0 = new Recorder();
            final Recorder r1 = new Recorder();
            try (DiskHeartbeat s0 = heartbeat(disk, 0, 2, 1000, 20, 10_000, r0);
                 DiskHeartbeat s1 = heartbeat(disk, 1, 2, 2000, 20, 10_000, r1)) {
                s0.publish(1, 1);
                s1.publish(1, 2);
                s0.start();
                s1.start();
                await("both paths work", () -> r0.lastWorking() && r1.lastWorking(), List.of(r0.paths(), r1.paths()));
                final int before = r0.paths().size();
                disk.removeMedium();
                // writes fail with ENOSPC, reads transfer nothing, or an I/O in flight at the change gets EIO
                await("server 0's path stops", () -> r0.downSince(before, " of " + disk.device()),
                    new Object() {
                        @Override
                        public String toString() {
                            return r0.paths() + "; " + s0 + "; size " + size(disk);
                        }
                    });
                assertTrue(r0.last().reason().contains(disk.device()), r0.last().reason());
                assertFalse(s0.working());
                disk.restoreMedium();
                await("both paths work again", () -> r0.lastWorking() && r1.lastWorking(),
                    List.of(r0.paths(), r1.paths()));
                // beats are reported again after the heal (the sectors were zeroed: anything authentic is new)
                s0.publish(1, 3);
                await("server 1 hears server 0 again", () -> r1.saw(new Recorder.Beat(0, 1000, 1, 3)), r1.beats());
                final int healed = r0.paths().size();
                disk.injectIoError();
                await("EIO stops server 0's path", () -> r0.downSince(healed, "Input/output error"), r0.paths());
                await("EIO stops server 1's path", () -> !r1.lastWorking(), r1.paths());
            }
        }
    }

    @Test
    void anIoBlockedInTheKernelIsReportedByTheWatchdogAndTheThawHeals() throws Exception {
        Netns.assumeRoot();
        try (LoopDisk disk = LoopDisk.blank(4)) {
            final Recorder r0 = new Recorder();
            try (DiskHeartbeat s0 = heartbeat(disk, 0, 2, 1000, 50, 1000, r0)) {
                s0.publish(1, 1);
                s0.start();
                await("the path works", r0::lastWorking, r0.paths());
                final int before = r0.paths().size();
                try {
                    disk.freeze();
                    await("the watchdog reports the blocked I/O",
                        () -> r0.downSince(before, "has been blocked for more than 1000 ms"), r0.paths());
                    // the publisher never waits for the blocked thread
                    s0.publish(1, 2);
                } finally {
                    disk.thaw();
                }
                await("the path works again", r0::lastWorking, r0.paths());
            }
        }
    }
}
