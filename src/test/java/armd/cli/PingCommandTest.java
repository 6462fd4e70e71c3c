package armd.cli;

import armd.base.Exit;
import armd.base.OperatorException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class PingCommandTest {
    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    private final PingCommand command = new PingCommand(new PrintStream(buffer, true, StandardCharsets.UTF_8));

    @Test
    void helpPrintsUsageAndExitsZero() {
        assertEquals(Exit.OK, command.run(new String[] {"--help"}));
        assertTrue(buffer.toString(StandardCharsets.UTF_8).contains("usage: armd probe ping ADDRESS"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"192.0.2.300", "192.0.2", "1", "example.com", "192.0.2.1.5", "fe80::1%eth0", "::g", ""})
    void aMalformedAddressIsAUsageErrorNamingIt(final String address) {
        final OperatorException e = assertThrows(OperatorException.class, () -> command.run(new String[] {address}));
        assertEquals(Exit.USAGE, e.exitCode());
        assertTrue(e.getMessage().contains("'" + address + "'"), e.getMessage());
    }

    @Test
    void anUnknownInterfaceIsAUsageErrorNamingIt() {
        final OperatorException e = assertThrows(OperatorException.class,
            () -> command.run(new String[] {"192.0.2.1", "--interface", "armdnosuch0"}));
        assertEquals(Exit.USAGE, e.exitCode());
        assertTrue(e.getMessage().contains("'armdnosuch0'"), e.getMessage());
    }

    @ParameterizedTest
    @CsvSource({"--count, 0", "--timeout, 0", "--interval, -1", "--count, x"})
    void outOfRangeOptionsAreUsageErrors(final String option, final String value) {
        final OperatorException e = assertThrows(OperatorException.class,
            () -> command.run(new String[] {"192.0.2.1", option, value}));
        assertEquals(Exit.USAGE, e.exitCode());
    }

    @Test
    void missingAddress() {
        assertEquals(Exit.USAGE, assertThrows(OperatorException.class, () -> command.run(new String[0])).exitCode());
    }

    @Test
    void parsesBothFamilies() {
        assertEquals(4, PingCommand.parseAddress("198.51.100.7").getAddress().length);
        assertEquals(16, PingCommand.parseAddress("2001:db8::1").getAddress().length);
        assertEquals(0xc6336407, PingCommand.ipv4((java.net.Inet4Address) PingCommand.parseAddress("198.51.100.7")));
    }

    @Test
    void microsecondsKeepOneDecimal() {
        assertEquals(87.4, PingCommand.micros(87_449));
        assertEquals("87.4", PingCommand.microsText(87_449));
    }
}
