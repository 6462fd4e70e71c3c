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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class NdpCommandTest {
    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    private final NdpCommand command = new NdpCommand(new PrintStream(buffer, true, StandardCharsets.UTF_8));

    private int usage(final String... args) {
        final OperatorException e = assertThrows(OperatorException.class, () -> command.run(args));
        assertEquals(Exit.USAGE, e.exitCode(), e.getMessage());
        return e.exitCode();
    }

    @Test
    void helpPrintsUsageAndExitsZero() {
        assertEquals(Exit.OK, command.run(new String[] {"--help"}));
        assertTrue(buffer.toString(StandardCharsets.UTF_8).contains("--announce"));
    }

    @Test
    void ipv4IsAUsageError() {
        final OperatorException e = assertThrows(OperatorException.class,
            () -> command.run(new String[] {"192.0.2.1", "--interface", "lo"}));
        assertEquals(Exit.USAGE, e.exitCode());
        assertEquals("'192.0.2.1' is IPv4: neighbour discovery is IPv6 only (IPv4 uses 'armd probe arp')",
            e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"::", "::1", "ff02::1", "2001:db8::g", "fe80::1%eth0", "2001:db8:::1"})
    void aNonUnicastOrMalformedAddressIsAUsageError(final String address) {
        usage(address, "--interface", "lo");
    }

    @Test
    void theInterfaceIsRequiredAndMustExist() {
        usage("2001:db8::1");
        usage("2001:db8::1", "--interface", "armdnosuch0");
    }

    @Test
    void optionsBelongToTheirMode() {
        usage("2001:db8::1", "--interface", "lo", "--count", "2");
        usage("--announce", "2001:db8::1", "--interface", "lo", "--probes", "2");
        usage("2001:db8::1", "--interface", "lo", "--probes", "0");
        usage("2001:db8::1", "--interface", "lo", "--unknown");
    }
}
