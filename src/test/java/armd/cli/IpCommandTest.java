package armd.cli;

import armd.base.Exit;
import armd.base.OperatorException;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class IpCommandTest {
    @Test
    void parsesIpv4WithAPrefix() {
        final IpCommand.Cidr c = IpCommand.parseCidr("192.0.2.10/24");
        assertArrayEquals(new byte[] {(byte) 192, 0, 2, 10}, c.address());
        assertEquals(24, c.prefixLen());
        assertEquals("192.0.2.10/24", c.text());
    }

    @Test
    void aMissingPrefixIsAHostPrefix() {
        assertEquals(32, IpCommand.parseCidr("198.51.100.1").prefixLen());
        assertEquals(128, IpCommand.parseCidr("2001:db8::1").prefixLen());
    }

    @Test
    void parsesIpv6() {
        final IpCommand.Cidr c = IpCommand.parseCidr("2001:DB8:0::5/64");
        assertEquals(16, c.address().length);
        assertEquals("2001:db8::5/64", c.text());
    }

    @ParameterizedTest
    @ValueSource(strings = {"192.0.2.300/24", "192.0.2/24", "192.0.2.1.1/24", "1.2.3.04x/8", "example.com/24",
        "localhost", "zz::1/64", "2001:db8::1::2/64", "", "/24", " 192.0.2.1/24", "::ffff:192.0.2.1"})
    void rejectsMalformedAddressesNamingThem(final String s) {
        final OperatorException e = assertThrows(OperatorException.class, () -> IpCommand.parseCidr(s));
        assertEquals(Exit.USAGE, e.exitCode());
        assertTrue(e.getMessage().contains("'" + s + "'"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"192.0.2.1/33", "192.0.2.1/-1", "192.0.2.1/", "192.0.2.1/x", "2001:db8::1/129"})
    void rejectsBadPrefixes(final String s) {
        final OperatorException e = assertThrows(OperatorException.class, () -> IpCommand.parseCidr(s));
        assertEquals(Exit.USAGE, e.exitCode());
        assertTrue(e.getMessage().contains("invalid prefix"), e.getMessage());
    }

    @Test
    void neverResolvesANameEvenWithColons() {
        assertNull(IpCommand.parseAddress("host:name"));
    }

    @Test
    void helpAndUsageErrors() throws Exception {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        assertEquals(Exit.OK, new IpCommand(out).run(new String[] {"--help"}));
        assertTrue(bytes.toString(StandardCharsets.UTF_8).contains("armd ip add"));
        assertEquals(Exit.USAGE, assertThrows(OperatorException.class,
            () -> new IpCommand(out).run(new String[] {"add", "192.0.2.1/24"})).exitCode());
        assertEquals(Exit.USAGE, assertThrows(OperatorException.class,
            () -> new IpCommand(out).run(new String[] {"flip"})).exitCode());
        final OperatorException e = assertThrows(OperatorException.class,
            () -> new IpCommand(out).run(new String[] {"add", "192.0.2.1/24", "--interface", "nosuchif0"}));
        assertEquals(Exit.USAGE, e.exitCode());
        assertTrue(e.getMessage().startsWith("nosuchif0: no such interface"), e.getMessage());
    }
}
