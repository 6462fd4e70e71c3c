package armd.resource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import armd.sys.netlink.InterfaceAddress;

import java.util.List;

import org.junit.jupiter.api.Test;

/** The subnet check ("a wrong network address", docs/behaviour.md#floating-ip) without a kernel. */
class FloatingIpResourceTest {
    private static InterfaceAddress addr(final String a, final int prefixLen) {
        return new InterfaceAddress(2, "eth0", Fixtures.v4(a), prefixLen, 0, 0, "eth0");
    }

    private static FloatingIpResource vip(final String a, final int prefixLen) {
        return new FloatingIpResource(Fixtures.ip("vip", a, prefixLen, "eth0", 0, 10, false));
    }

    @Test
    void anAddressInTheSameSubnetPasses() {
        assertNull(vip("192.0.2.100", 24).subnetProblem(List.of(addr("192.0.2.1", 24))));
        // compared under the shorter prefix: the interface's /16 contains the floating /24
        assertNull(vip("198.51.100.7", 24).subnetProblem(List.of(addr("192.0.2.1", 24), addr("198.51.1.1", 16))));
    }

    @Test
    void noAddressInTheSubnetIsAWrongNetworkAddress() {
        assertEquals("floating IP 192.0.2.100/24: wrong network address: eth0 has no address in its subnet (it has "
            + "198.51.100.1/24): fix 'address' or 'interface' of [resource vip], or set any-subnet = yes",
            vip("192.0.2.100", 24).subnetProblem(List.of(addr("198.51.100.1", 24))));
        // the floating IP itself (left from an earlier run) does not count
        assertEquals("floating IP 192.0.2.100/24: wrong network address: eth0 has no address in its subnet (it has "
            + "no IPv4 address): fix 'address' or 'interface' of [resource vip], or set any-subnet = yes",
            vip("192.0.2.100", 24).subnetProblem(List.of(addr("192.0.2.100", 24))));
    }

    @Test
    void sameSubnetMasksThePrefix() {
        assertTrue(FloatingIpResource.sameSubnet(0xc0000264, 0xc0000201, 24));
        assertFalse(FloatingIpResource.sameSubnet(0xc0000264, 0xc0000301, 24));
        assertTrue(FloatingIpResource.sameSubnet(0xc0000264, 0xc0000301, 16));
        assertTrue(FloatingIpResource.sameSubnet(0xc0000264, 0xc0000264, 32));
        assertFalse(FloatingIpResource.sameSubnet(0xc0000264, 0xc0000265, 32));
    }
}
