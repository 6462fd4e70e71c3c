package armd.sys.netlink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import armd.base.Exit;
import armd.cli.IpCommand;
import armd.base.OperatorException;
import armd.it.Cli;
import armd.it.Netns;
import armd.sys.NetNamespace;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

/** {@code armd ip} against the kernel, in-process (in a namespace) and as the real command line. */
class IpCommandIT {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);

    private int ip(final String ns, final String... args) throws Exception {
        return NetNamespace.call(ns, () -> new IpCommand(out).run(args));
    }

    @Test
    void addListDeleteAndTheirRefusals() throws Exception {
        Netns.assumeRoot();
        try (Netns n = new Netns("ipc")) {
            final String ns = n.namespace("a");
            n.veth(ns, "e0", ns, "e1");
            assertEquals(Exit.OK, ip(ns, "add", "198.51.100.7/24", "--interface", "e0"));
            assertTrue(bytes.toString(StandardCharsets.UTF_8).contains("198.51.100.7/24 added to e0"));
            assertTrue(Netns.run("ip", "-n", ns, "addr", "show", "e0").contains("inet 198.51.100.7/24 "));

            OperatorException e = assertThrows(OperatorException.class,
                () -> ip(ns, "add", "198.51.100.7/24", "--interface", "e0"));
            assertEquals(Exit.FAULT, e.exitCode());
            assertEquals("198.51.100.7/24 is already on e0 (address exists)", e.getMessage());

            bytes.reset();
            assertEquals(Exit.OK, ip(ns, "list", "--interface", "e0", "--json"));
            assertTrue(bytes.toString(StandardCharsets.UTF_8).contains(
                "\"interface\":\"e0\",\"index\":"), bytes.toString(StandardCharsets.UTF_8));
            assertTrue(bytes.toString(StandardCharsets.UTF_8).contains(
                "\"family\":\"inet\",\"address\":\"198.51.100.7\",\"prefix\":24,\"scope\":\"global\""));

            assertEquals(Exit.OK, ip(ns, "del", "198.51.100.7/24", "--interface", "e0"));
            assertFalse(Netns.run("ip", "-n", ns, "addr", "show", "e0").contains("198.51.100.7"));
            e = assertThrows(OperatorException.class, () -> ip(ns, "del", "198.51.100.7/24", "--interface", "e0"));
            assertEquals(Exit.FAULT, e.exitCode());
            assertEquals("198.51.100.7/24 is not on e0 (not found)", e.getMessage());

            e = assertThrows(OperatorException.class, () -> ip(ns, "add", "198.51.100.7/24", "--interface", "eth9"));
            assertEquals(Exit.USAGE, e.exitCode());
            assertTrue(e.getMessage().startsWith("eth9: no such interface"), e.getMessage());
        }
    }

    @Test
    void theCommandLineExitsOneWithOneLine() throws Exception {
        Netns.assumeRoot();
        try (Netns n = new Netns("ipx")) {
            final String ns = n.namespace("a");
            n.veth(ns, "e0", ns, "e1");
            assertEquals(0, Cli.armd(ns, "ip", "add", "203.0.113.9/24", "--interface", "e0").exitCode());
            final Netns.Result again = Cli.armd(ns, "ip", "add", "203.0.113.9/24", "--interface", "e0");
            assertEquals(Exit.FAULT, again.exitCode());
            assertEquals("armd ip: 203.0.113.9/24 is already on e0 (address exists)", again.stderr().strip());
            final Netns.Result bad = Cli.armd(ns, "ip", "add", "203.0.113.999/24", "--interface", "e0");
            assertEquals(Exit.USAGE, bad.exitCode());
            assertTrue(bad.stderr().contains("'203.0.113.999/24'"), bad.stderr());
        }
    }
}
