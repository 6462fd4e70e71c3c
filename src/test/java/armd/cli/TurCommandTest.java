package armd.cli;

import armd.base.Exit;
import armd.base.OperatorException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

class TurCommandTest {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);

    @Test
    void helpExitsZero() throws Exception {
        assertEquals(Exit.OK, new TurCommand(out).run(new String[] {"--help"}));
        assertTrue(bytes.toString(StandardCharsets.UTF_8).contains("usage: armd probe tur DEVICE"));
    }

    @Test
    void usageErrorsExitTwo() {
        assertEquals(Exit.USAGE, assertThrows(OperatorException.class,
            () -> new TurCommand(out).run(new String[0])).exitCode());
        assertEquals(Exit.USAGE, assertThrows(OperatorException.class,
            () -> new TurCommand(out).run(new String[] {"/dev/sg0", "--timeout", "0"})).exitCode());
        assertEquals(Exit.USAGE, assertThrows(OperatorException.class,
            () -> new TurCommand(out).run(new String[] {"/dev/sg0", "--bogus"})).exitCode());
    }

    @Test
    void aMissingDeviceExitsThreeNamingIt() {
        final OperatorException e = assertThrows(OperatorException.class,
            () -> new TurCommand(out).run(new String[] {"/dev/armd-no-such-sg"}));
        assertEquals(Exit.SYSTEM, e.exitCode());
        assertTrue(e.getMessage().startsWith("/dev/armd-no-such-sg: no such device"), e.getMessage());
    }
}
