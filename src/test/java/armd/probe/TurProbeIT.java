package armd.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import armd.base.Exit;
import armd.base.OperatorException;
import armd.cli.TurCommand;
import armd.it.Cli;
import armd.it.Need;
import armd.it.Netns;
import armd.sys.Errno;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TEST UNIT READY on devices without SG_IO: a loop device and a regular file give the clear "not supported". */
class TurProbeIT {
    private static final String NOT_SUPPORTED =
        "TEST UNIT READY through SG_IO is not supported by this device (SG_IO: ";
    private static final String CANNOT_MONITOR = "it cannot be used as a monitored shared disk";

    @TempDir
    Path dir;

    @Test
    void aLoopDeviceIsNotSupported() throws Exception {
        Netns.assumeRoot();
        final Path backing = Files.write(dir.resolve("disk.img"), new byte[1 << 20]);
        final Netns.Result attach = Netns.tryRun("losetup", "--find", "--show", backing.toString());
        Need.that(attach.exitCode() == 0, "no loop device available: " + attach.stderr().strip());
        final String loop = attach.stdout().strip();
        try {
            try (TurProbe p = TurProbe.open(loop, 1000)) {
                final TurResult r = p.probe();
                assertEquals(ProbeOutcome.ERROR, r.outcome());
                assertEquals(TurResult.Reason.NOT_SUPPORTED, r.reason());
                assertTrue(r.errno() == Errno.EINVAL || r.errno() == Errno.ENOTTY, "errno " + r.errno());
                assertTrue(r.describe().startsWith(loop + ": " + NOT_SUPPORTED), r.describe());
                assertTrue(r.describe().endsWith(CANNOT_MONITOR), r.describe());
            }
            final Netns.Result cli = Cli.armd(null, "probe", "tur", loop);
            assertEquals(Exit.SYSTEM, cli.exitCode(), cli.stderr());
            assertTrue(cli.stderr().contains(loop + ": " + NOT_SUPPORTED), cli.stderr());
            assertEquals(1, cli.stderr().strip().lines().count(), "one line, no stack trace: " + cli.stderr());
        } finally {
            Netns.tryRun("losetup", "-d", loop);
        }
    }

    @Test
    void aRegularFileIsNotSupported() throws Exception {
        final Path file = Files.write(dir.resolve("plain"), new byte[512]);
        try (TurProbe p = TurProbe.open(file.toString(), 1000)) {
            final TurResult r = p.probe();
            assertEquals(ProbeOutcome.ERROR, r.outcome());
            assertEquals(Errno.ENOTTY, r.errno());
            assertEquals(file + ": " + NOT_SUPPORTED + "Inappropriate ioctl for device); " + CANNOT_MONITOR,
                r.describe());
            // the result is reused: a second probe gives the same answer without a new object
            assertTrue(r == p.probe());
        }
        final PrintStream out = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        final OperatorException e = assertThrows(OperatorException.class,
            () -> new TurCommand(out).run(new String[] {file.toString(), "--count", "3", "--interval", "0"}));
        assertEquals(Exit.SYSTEM, e.exitCode());
        assertTrue(e.getMessage().endsWith(CANNOT_MONITOR), e.getMessage());

        final Netns.Result json = Cli.armd(null, "probe", "tur", file.toString(), "--json");
        assertEquals(Exit.SYSTEM, json.exitCode());
        assertTrue(json.stdout().startsWith("{\"device\":\"" + file + "\",\"seq\":1,\"outcome\":\"ERROR\""),
            json.stdout());
    }

    @Test
    void aMissingDeviceExitsThreeWithOneLine() throws Exception {
        final Netns.Result r = Cli.armd(null, "probe", "tur", dir.resolve("sg9").toString());
        assertEquals(Exit.SYSTEM, r.exitCode());
        assertEquals("armd probe: " + dir.resolve("sg9") + ": no such device; give an sg node (/dev/sgN) or a SCSI "
            + "disk (/dev/sdX)", r.stderr().strip());
    }
}
