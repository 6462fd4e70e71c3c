package armd.sys.netlink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import armd.it.Netns;
import armd.sys.NetNamespace;
import armd.wire.Rtnl;

import java.net.InetAddress;
import java.util.List;

import org.junit.jupiter.api.Test;

/** Addresses added and removed through rtnetlink, checked with iproute2, inside a test namespace. */
class RtnetlinkIT {
    private static final byte[] A = {(byte) 192, 0, 2, 10};

    @Test
    void anAddressAddedIsSeenByIpAndGoneAfterRemoval() throws Exception {
        Netns.assumeRoot();
        try (Netns n = new Netns("rtnl")) {
            final String ns = n.namespace("a");
            n.veth(ns, "e0", ns, "e1");
            final int ifIndex = NetNamespace.call(ns, () -> Rtnetlink.ifIndex("e0"));
            assertTrue(ifIndex > 0, "ifindex " + ifIndex);
            try (Rtnetlink rt = NetNamespace.call(ns, Rtnetlink::open)) {
                assertEquals(AddressResult.DONE, rt.addAddress(ifIndex, A, 24));
                assertTrue(ipAddr(ns).contains("inet 192.0.2.10/24 "), ipAddr(ns));

                assertEquals(AddressResult.EXISTS, rt.addAddress(ifIndex, A, 24));

                final List<InterfaceAddress> listed = rt.listAddresses(Rtnl.AF_INET, ifIndex);
                assertEquals(1, listed.size(), listed.toString());
                assertEquals(InetAddress.getByName("192.0.2.10"), listed.get(0).address());
                assertEquals("e0", listed.get(0).ifName());
                assertEquals(24, listed.get(0).prefixLen());

                assertEquals(AddressResult.DONE, rt.deleteAddress(ifIndex, A, 24));
                assertFalse(ipAddr(ns).contains("192.0.2.10"), ipAddr(ns));
                assertEquals(AddressResult.NOT_FOUND, rt.deleteAddress(ifIndex, A, 24));
                assertTrue(rt.listAddresses(Rtnl.AF_INET, ifIndex).isEmpty());
            }
        }
    }

    @Test
    void ipv6AndTheKernelsRefusals() throws Exception {
        Netns.assumeRoot();
        try (Netns n = new Netns("rtn6")) {
            final String ns = n.namespace("a");
            n.veth(ns, "e0", ns, "e1");
            final int ifIndex = NetNamespace.call(ns, () -> Rtnetlink.ifIndex("e0"));
            try (Rtnetlink rt = NetNamespace.call(ns, Rtnetlink::open)) {
                final byte[] v6 = InetAddress.getByName("2001:db8::5").getAddress();
                assertEquals(AddressResult.DONE, rt.addAddress(ifIndex, v6, 64));
                assertTrue(ipAddr(ns).contains("inet6 2001:db8::5/64 "), ipAddr(ns));
                assertTrue(rt.listAddresses(Rtnl.AF_INET6, 0).stream()
                    .anyMatch(a -> a.ifIndex() == ifIndex && a.prefixLen() == 64));
                assertEquals(AddressResult.DONE, rt.deleteAddress(ifIndex, v6, 64));

                assertEquals(AddressResult.NO_DEVICE, rt.addAddress(ifIndex + 1000, A, 24));
                assertEquals(AddressResult.INVALID_PREFIX, rt.addAddress(ifIndex, A, 33));
                assertTrue(Rtnetlink.ifIndex("nosuchif0") < 0);
            }
        }
    }

    private static String ipAddr(final String ns) throws Exception {
        return Netns.run("ip", "-n", ns, "addr", "show", "dev", "e0");
    }
}
