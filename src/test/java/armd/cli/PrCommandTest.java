package armd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import armd.base.Exit;
import armd.base.OperatorException;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

/** The command line of {@code armd probe pr} (the commands themselves run on a LIO disk in PrVmIT). */
class PrCommandTest {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);

    private OperatorException fails(final String... argv) {
        return assertThrows(OperatorException.class, () -> new PrCommand(out).run(argv));
    }

    @Test
    void helpExitsZero() {
        assertEquals(Exit.OK, new PrCommand(out).run(new String[] {"--help"}));
        assertTrue(bytes.toString(StandardCharsets.UTF_8).contains("usage: armd probe pr DEVICE keys"));
    }

    @Test
    void usageErrorsExitTwoWithOneLine() {
        assertEquals(Exit.USAGE, fails().exitCode());
        assertEquals(Exit.USAGE, fails("/dev/sg0").exitCode());
        assertEquals("unknown action 'steal': keys, reservation, register, unregister, reserve, release, clear or "
            + "preempt", fails("/dev/sg0", "steal").getMessage());
        assertEquals(Exit.USAGE, fails("/dev/sg0", "register").exitCode());
        assertEquals("'0xfoo' is not a key: give up to 16 hex digits, e.g. 0x1a2b",
            fails("/dev/sg0", "register", "0xfoo").getMessage());
        assertEquals(Exit.USAGE, fails("/dev/sg0", "register", "0x12345678901234567").exitCode());
        assertEquals(Exit.USAGE, fails("/dev/sg0", "reserve", "0").exitCode());
        assertEquals(Exit.USAGE, fails("/dev/sg0", "preempt", "0x1").exitCode());
        assertEquals(Exit.USAGE, fails("/dev/sg0", "keys", "0x1").exitCode());
        assertEquals("--abort goes with preempt only", fails("/dev/sg0", "reserve", "1", "--abort").getMessage());
        assertEquals(Exit.USAGE, fails("/dev/sg0", "keys", "--timeout", "0").exitCode());
    }

    @Test
    void aMissingDeviceExitsThreeNamingIt() {
        final OperatorException e = fails("/dev/armd-no-such-sg", "keys");
        assertEquals(Exit.SYSTEM, e.exitCode());
        assertTrue(e.getMessage().startsWith("/dev/armd-no-such-sg: no such device"), e.getMessage());
    }

    @Test
    void aDeviceWithoutScsiCommandsExitsThree() {
        // /dev/null answers SG_IO with ENOTTY
        final OperatorException e = fails("/dev/null", "keys");
        assertEquals(Exit.SYSTEM, e.exitCode());
        assertTrue(e.getMessage().startsWith("/dev/null: PERSISTENT RESERVE IN READ KEYS: SG_IO failed: "),
            e.getMessage());
        assertTrue(e.getMessage().endsWith("(the device does not take SCSI commands)"), e.getMessage());
    }
}
