package armd.cli;

import armd.base.Exit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import armd.it.Netns;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;

/**
 * {@code armd probe ping|arp|ndp} as an operator runs them: a fresh JVM with this build's classes under
 * {@code ip netns exec}, checking exit codes and output (no dependency on scripts/build having run).
 */
class ProbeCommandsIT {
    private static Netns.Result armd(final String ns, final String... args) throws Exception {
        final String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        final String[] head = {"ip", "netns", "exec", ns, java, "--enable-native-access=ALL-UNNAMED",
            "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), "armd.Main", "probe"};
        final String[] cmd = new String[head.length + args.length];
        System.arraycopy(head, 0, cmd, 0, head.length);
        System.arraycopy(args, 0, cmd, head.length, args.length);
        return Netns.tryRun(cmd);
    }

    @Test
    void exitCodesAndOutput() throws Exception {
        Netns.assumeRoot();
        try (Netns n = new Netns("cli")) {
            final String a = n.namespace("a");
            final String b = n.namespace("b");
            n.veth(a, "eth0", b, "eth0");
            n.address(a, "eth0", "192.0.2.1/24");
            n.address(b, "eth0", "192.0.2.2/24");
            final String macB = n.exec(b, "cat", "/sys/class/net/eth0/address").strip();

            Netns.Result r = armd(a, "ping", "192.0.2.2", "--interface", "eth0", "--count", "2", "--interval", "10");
            assertEquals(Exit.OK, r.exitCode(), r.stderr());
            assertTrue(r.stdout().contains("reply from 192.0.2.2: seq="), r.stdout());
            assertTrue(r.stdout().contains("2 sent, 2 replies"), r.stdout());

            r = armd(a, "ping", "192.0.2.99", "--timeout", "200", "--json");
            assertEquals(Exit.FAULT, r.exitCode(), r.stderr());
            assertTrue(r.stdout().startsWith("{\"probe\":\"ping\",\"address\":\"192.0.2.99\""), r.stdout());
            assertTrue(r.stdout().contains("\"replies\":0"), r.stdout());

            r = armd(a, "ping", "192.0.2.2", "--interface", "eth9");
            assertEquals(Exit.USAGE, r.exitCode());
            assertTrue(r.stderr().contains("'eth9'") && r.stderr().lines().count() == 1, r.stderr());

            r = armd(a, "arp", "192.0.2.2", "--interface", "eth0");
            assertEquals(Exit.FAULT, r.exitCode(), r.stderr());
            assertTrue(r.stdout().contains("192.0.2.2 is in use on eth0 by " + macB), r.stdout());

            r = armd(a, "arp", "192.0.2.3", "--interface", "eth0", "--json");
            assertEquals(Exit.OK, r.exitCode(), r.stderr());
            assertTrue(r.stdout().contains("\"outcome\":\"free\""), r.stdout());

            r = armd(a, "arp", "--announce", "192.0.2.1", "--interface", "eth0", "--count", "2", "--spacing", "5");
            assertEquals(Exit.OK, r.exitCode(), r.stderr());
            assertTrue(r.stdout().startsWith("announced 192.0.2.1 on eth0"), r.stdout());

            r = armd(a, "arp", "192.0.2.3", "--interface", "lo");
            assertEquals(Exit.SYSTEM, r.exitCode());
            assertTrue(r.stderr().contains("not Ethernet"), r.stderr());
        }
    }

    /** IPv6: ping over ICMPv6, the duplicate address probe naming the holder's MAC, announcements. */
    @Test
    void ipv6ExitCodesAndOutput() throws Exception {
        Netns.assumeRoot();
        try (Netns n = new Netns("cli6")) {
            final String a = n.namespace("a");
            final String b = n.namespace("b");
            n.veth(a, "eth0", b, "eth0");
            // nodad: usable at once (the kernel's own detection would hold them tentative)
            n.exec(a, "ip", "addr", "add", "2001:db8::1/64", "dev", "eth0", "nodad");
            n.exec(b, "ip", "addr", "add", "2001:db8::2/64", "dev", "eth0", "nodad");
            final String macB = n.exec(b, "cat", "/sys/class/net/eth0/address").strip();

            Netns.Result r = armd(a, "ping", "2001:db8::2", "--interface", "eth0", "--count", "2", "--interval", "10");
            assertEquals(Exit.OK, r.exitCode(), r.stderr());
            assertTrue(r.stdout().contains("reply from 2001:db8::2: seq="), r.stdout());

            r = armd(a, "ping", "2001:db8::99", "--timeout", "200", "--json");
            assertEquals(Exit.FAULT, r.exitCode(), r.stderr());
            assertTrue(r.stdout().contains("\"replies\":0"), r.stdout());

            r = armd(a, "ndp", "2001:db8::2", "--interface", "eth0");
            assertEquals(Exit.FAULT, r.exitCode(), r.stderr());
            assertTrue(r.stdout().contains("2001:db8::2 is in use on eth0 by " + macB), r.stdout());

            r = armd(a, "ndp", "2001:0db8:0::3", "--interface", "eth0", "--json");
            assertEquals(Exit.OK, r.exitCode(), r.stderr());
            assertTrue(r.stdout().startsWith("{\"probe\":\"ndp\",\"address\":\"2001:db8::3\""), r.stdout());
            assertTrue(r.stdout().contains("\"outcome\":\"free\""), r.stdout());

            r = armd(a, "ndp", "--announce", "2001:db8::1", "--interface", "eth0", "--count", "2", "--spacing", "5");
            assertEquals(Exit.OK, r.exitCode(), r.stderr());
            assertTrue(r.stdout().startsWith("announced 2001:db8::1 on eth0"), r.stdout());

            r = armd(a, "ndp", "192.0.2.3", "--interface", "eth0");
            assertEquals(Exit.USAGE, r.exitCode());
            assertTrue(r.stderr().contains("'armd probe arp'") && r.stderr().lines().count() == 1, r.stderr());
        }
    }
}
