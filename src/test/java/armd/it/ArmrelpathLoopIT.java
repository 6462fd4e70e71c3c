package armd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * armrelpath on a real mount point (an ext4 file system on a loop device), where the C test uses plain
 * directories: it kills the process holding a file on the mounted file system and not the one holding a file
 * beside the mount point; and the sample stop script's cleanup (armlsmnt + armrelpath + armlog, here with
 * stand-ins for armlsmnt, armlog and armkill) does the same even when started with its current directory on
 * the mount point.
 */
class ArmrelpathLoopIT {
    private static final Path BIN = Path.of("target", "bin").toAbsolutePath();
    private static final long WAIT_S = 30;

    @BeforeEach
    void needRootLoopAndCommands() {
        Netns.assumeRoot();
        boolean tools = true;
        for (final String t : List.of("/usr/sbin/losetup", "/usr/sbin/mkfs.ext4", "/usr/bin/mount",
            "/usr/bin/umount")) {
            tools &= Files.isExecutable(Path.of(t));
        }
        Need.that(tools, "ArmrelpathLoopIT needs losetup, mkfs.ext4, mount and umount (scripts/setup)");
        if (!Files.isExecutable(BIN.resolve("armrelpath"))) {
            fail(BIN.resolve("armrelpath") + " is missing: run scripts/build first");
        }
    }

    /** Starts a process holding {@code file} open for writing (fd 3); waits until it does. */
    private static Process holder(final Path file) throws Exception {
        final Process p = new ProcessBuilder("/bin/sh", "-c", "exec 3>>\"$1\"; exec sleep 600", "_", file.toString())
            .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectErrorStream(true).start();
        final Path link = Path.of("/proc", Long.toString(p.pid()), "fd", "3");
        final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_S);
        while (!holds(link, file)) {
            if (!p.isAlive() || System.nanoTime() - deadlineNs > 0) {
                p.destroyForcibly();
                throw new AssertionError("pid " + p.pid() + " never held " + file);
            }
            Thread.sleep(10);
        }
        return p;
    }

    private static boolean holds(final Path link, final Path file) {
        try {
            return Files.readSymbolicLink(link).equals(file);
        } catch (IOException e) {
            return false;
        }
    }

    @Test
    void armrelpathKillsOnlyTheProcessOnTheMountedFileSystem() throws Exception {
        final List<Process> started = new ArrayList<>();
        try (LoopDisk disk = LoopDisk.ext4(16)) {
            final Path mnt = disk.mount("mnt");
            try {
                final Process onMount = holder(mnt.resolve("held"));
                started.add(onMount);
                final Process beside = holder(disk.path("beside"));
                started.add(beside);

                final Netns.Result first = Netns.tryRun(BIN.resolve("armrelpath").toString(), "-t", "5",
                    mnt.toString());
                assertEquals(1, first.exitCode(), first.toString());
                assertEquals("killed " + onMount.pid() + " (sleep) using " + mnt + "\n", first.stdout());
                assertTrue(onMount.waitFor(WAIT_S, TimeUnit.SECONDS), "the holder on the mount survived");
                assertEquals(143, onMount.exitValue(), "SIGTERM ends it");
                assertTrue(beside.isAlive(), "the process holding a file beside the mount point was killed");

                final Netns.Result again = Netns.tryRun(BIN.resolve("armrelpath").toString(), mnt.toString());
                assertEquals(new Netns.Result(0, "", ""), again);
            } finally {
                stop(started);
            }
        }
    }

    @Test
    void theSampleStopScriptReleasesTheMountPointEvenStartedFromIt() throws Exception {
        final List<Process> started = new ArrayList<>();
        try (LoopDisk disk = LoopDisk.ext4(16)) {
            final Path mnt = disk.mount("mnt");
            try {
                final Process onMount = holder(mnt.resolve("held"));
                started.add(onMount);
                final Process beside = holder(disk.path("beside"));
                started.add(beside);
                // stand-ins: armlsmnt names the loop mount, armlog writes to a file, armkill finds nothing
                final Path stubs = Files.createDirectory(disk.path("bin"));
                final Path armlog = disk.path("armlog.txt");
                stub(stubs, "armlsmnt", "[ \"$1\" = A ] || exit 2; echo '" + mnt + "'");
                stub(stubs, "armlog", "echo \"$*\" >> '" + armlog + "'");
                stub(stubs, "armkill", "echo \"armkill: group A: nothing started by armload as 'demo'\" >&2; exit 2");
                final ProcessBuilder pb = new ProcessBuilder(Path.of("conf/groups/A/stop.sh").toAbsolutePath()
                    .toString()).directory(mnt.toFile()).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
                pb.environment().clear();
                pb.environment().putAll(Map.of("PATH", stubs + ":" + BIN + ":/usr/sbin:/usr/bin:/sbin:/bin",
                    "ARMS_EVENT", "START", "ARMS_FACTOR", "GROUPSTOP", "ARMS_SERVER", "HOME", "ARMS_DISK", "SUCCESS",
                    "ARMS_PRIORITY", "1", "ARMS_GROUPNAME", "A"));
                final Process stop = pb.start();
                started.add(stop);
                final String out = new String(stop.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertTrue(stop.waitFor(WAIT_S, TimeUnit.SECONDS), "the stop script did not finish");
                assertEquals(0, stop.exitValue(), out);
                assertEquals("A: stop (GROUPSTOP) after START: stopping the application\n", out);
                assertEquals(List.of("demo was not running (GROUPSTOP)", "KILL SOME PROCESS: " + mnt,
                    "killed " + onMount.pid() + " (sleep) using " + mnt), Files.readAllLines(armlog));
                assertTrue(onMount.waitFor(WAIT_S, TimeUnit.SECONDS), "the holder on the mount survived");
                assertTrue(beside.isAlive(), "the process holding a file beside the mount point was killed");
            } finally {
                stop(started);
            }
        }
    }

    private static void stub(final Path dir, final String name, final String body) throws IOException {
        final Path p = dir.resolve(name);
        Files.writeString(p, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    /** Kills the test's own processes still running and reaps them. */
    private static void stop(final List<Process> started) throws InterruptedException {
        for (final Process p : started) {
            if (p.isAlive()) {
                p.destroyForcibly();
                p.waitFor(WAIT_S, TimeUnit.SECONDS);
            }
        }
    }
}
