package armd.it;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class NetnsIT {
    @Test
    void aFixtureMakesAndRemovesItsNamespaces() throws Exception {
        Netns.assumeRoot();
        final String a;
        try (Netns n = new Netns("fix")) {
            a = n.namespace("a");
            final String b = n.namespace("b");
            n.veth(a, "eth0", b, "eth0");
            n.address(a, "eth0", "192.0.2.1/24");
            assertTrue(n.exec(a, "ip", "addr", "show", "eth0").contains("192.0.2.1/24"));
            assertTrue(Netns.run("ip", "netns", "list").contains(a));
        }
        assertFalse(Netns.run("ip", "netns", "list").contains(a));
    }
}
