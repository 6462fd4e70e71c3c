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
        assertTrue(FloatingIpResource.sameSubnet(b("192.0.2.100"), b("192.0.2.1"), 24));
        assertFalse(FloatingIpResource.sameSubnet(b("192.0.2.100"), b("192.0.3.1"), 24));
        assertTrue(FloatingIpResource.sameSubnet(b("192.0.2.100"), b("192.0.3.1"), 16));
        assertTrue(FloatingIpResource.sameSubnet(b("192.0.2.100"), b("192.0.2.100"), 32));
        assertFalse(FloatingIpResource.sameSubnet(b("192.0.2.100"), b("192.0.2.101"), 32));
        assertTrue(FloatingIpResource.sameSubnet(b("2001:db8::100"), b("2001:db8::1"), 64));
        assertFalse(FloatingIpResource.sameSubnet(b("2001:db8::100"), b("2001:db8:1::1"), 64));
        assertTrue(FloatingIpResource.sameSubnet(b("2001:db8::100"), b("2001:db8:1::1"), 47));
        assertFalse(FloatingIpResource.sameSubnet(b("2001:db8::100"), b("2001:db8::101"), 128));
        // the families never share a subnet
        assertFalse(FloatingIpResource.sameSubnet(b("192.0.2.100"), b("2001:db8::1"), 0));
    }

    private static byte[] b(final String literal) {
        return java.net.InetAddress.ofLiteral(literal).getAddress();
    }

    private static InterfaceAddress addr6(final String a, final int prefixLen) {
        return new InterfaceAddress(2, "eth0", java.net.InetAddress.ofLiteral(a), prefixLen, 0, 0, null);
    }

    private static FloatingIpResource vip6(final String a, final int prefixLen) {
        return new FloatingIpResource(new armd.config.ClusterConfig.FloatingIp("vip", java.net.InetAddress.ofLiteral(a),
            prefixLen, "eth0", 0, 10, false, armd.config.ClusterConfig.Arp.DEFAULT));
    }

    @Test
    void anIpv6AddressNeedsAGlobalAddressOfTheInterfaceInItsPrefix() {
        assertNull(vip6("2001:db8::100", 64).subnetProblem(List.of(addr6("fe80::1", 64), addr6("2001:db8::1", 64))));
        // link-local addresses (every IPv6 interface has one) and IPv4 addresses do not count
        assertEquals("floating IP 2001:db8::100/64: wrong network address: eth0 has no address in its subnet (it has "
            + "2001:db8:1::1/64): fix 'address' or 'interface' of [resource vip], or set any-subnet = yes",
            vip6("2001:db8::100", 64).subnetProblem(List.of(addr6("fe80::1", 64), addr("192.0.2.1", 24),
                addr6("2001:db8:1::1", 64))));
        assertEquals("floating IP 2001:db8::100/64: wrong network address: eth0 has no address in its subnet (it has "
            + "no IPv6 address): fix 'address' or 'interface' of [resource vip], or set any-subnet = yes",
            vip6("2001:db8::100", 64).subnetProblem(List.of(addr6("fe80::1", 64), addr6("2001:db8::100", 64))));
        // a link-local floating address is on the interface's link-local prefix
        assertNull(vip6("fe80::100", 64).subnetProblem(List.of(addr6("fe80::1", 64))));
    }
}
