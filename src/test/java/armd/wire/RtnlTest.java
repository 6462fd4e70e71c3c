package armd.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

import org.junit.jupiter.api.Test;

/** rtnetlink messages from byte fixtures (little endian: x86_64 and aarch64). */
class RtnlTest {
    static ByteBuffer buf(final String hex) {
        final byte[] b = HexFormat.of().parseHex(hex.replaceAll("\\s+", ""));
        final ByteBuffer bb = ByteBuffer.allocate(Math.max(b.length, 256)).order(ByteOrder.LITTLE_ENDIAN);
        bb.put(0, b);
        return bb;
    }

    static String hex(final ByteBuffer b, final int len) {
        final byte[] out = new byte[len];
        b.get(0, out);
        return HexFormat.of().formatHex(out);
    }

    @Test
    void layoutSizesMatchTheKernelHeaders() {
        assertEquals(16, Rtnl.NLMSGHDR_SIZE);
        assertEquals(8, Rtnl.IFADDRMSG_SIZE);
        assertEquals(16, Rtnl.IFINFOMSG_SIZE);
        assertEquals(4, Rtnl.RTATTR_SIZE);
        assertEquals(20, Rtnl.NLMSGERR_SIZE);
        assertEquals(0, Rtnl.align(0));
        assertEquals(8, Rtnl.align(5));
        assertEquals(8, Rtnl.align(8));
    }

    @Test
    void buildsNewAddrAsIproute2Does() {
        final ByteBuffer b = ByteBuffer.allocate(128).order(ByteOrder.LITTLE_ENDIAN);
        final int len = Rtnl.addressRequest(b, Rtnl.RTM_NEWADDR, 7, 3, new byte[] {(byte) 192, 0, 2, 10}, 24,
            Rtnl.RT_SCOPE_UNIVERSE, 0);
        assertEquals(40, len);
        assertEquals(
            "28000000" + "1400" + "0506" + "07000000" + "00000000"    // nlmsghdr: 40, NEWADDR, REQ|ACK|EXCL|CREATE
                + "02" + "18" + "00" + "00" + "03000000"            // ifaddrmsg: AF_INET /24 flags 0 scope 0 if 3
                + "0800" + "0200" + "c000020a"                      // IFA_LOCAL 192.0.2.10
                + "0800" + "0100" + "c000020a",                     // IFA_ADDRESS 192.0.2.10
            hex(b, len));
    }

    @Test
    void buildsDelAddrForIpv6WithoutCreateFlags() {
        final ByteBuffer b = ByteBuffer.allocate(128).order(ByteOrder.LITTLE_ENDIAN);
        final byte[] a = HexFormat.of().parseHex("20010db8000000000000000000000005");
        final int len = Rtnl.addressRequest(b, Rtnl.RTM_DELADDR, 9, 4, a, 64, 0, Rtnl.IFA_F_NODAD);
        assertEquals(16 + 8 + 20 + 20, len);
        assertEquals(Rtnl.RTM_DELADDR, Rtnl.msgType(b, 0));
        assertEquals(Rtnl.NLM_F_REQUEST | Rtnl.NLM_F_ACK, Rtnl.msgFlags(b, 0));
        assertEquals(Rtnl.AF_INET6, b.get(16));
        assertEquals(64, b.get(17));
        assertEquals(Rtnl.IFA_F_NODAD, b.get(18));
    }

    @Test
    void flagsAbove8BitsGoInIfaFlags() {
        final ByteBuffer b = ByteBuffer.allocate(128).order(ByteOrder.LITTLE_ENDIAN);
        final int len = Rtnl.addressRequest(b, Rtnl.RTM_NEWADDR, 1, 1, new byte[] {1, 2, 3, 4}, 8, 0, 0x200);
        assertEquals(48, len);
        assertEquals(Rtnl.IFA_FLAGS, Rtnl.attrType(b, 40));
        assertEquals(0x200, b.getInt(44));
    }

    @Test
    void buildsDumpRequests() {
        final ByteBuffer b = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals("18000000" + "1600" + "0103" + "05000000" + "00000000" + "0a00000000000000",
            hex(b, Rtnl.getAddrDump(b, 5, Rtnl.AF_INET6)));
        assertEquals("20000000" + "1200" + "0103" + "06000000" + "00000000"
            + "00000000000000000000000000000000", hex(b, Rtnl.getLinkDump(b, 6)));
    }

    @Test
    void decodesAnErrorWithItsExtendedAckText() {
        final String text = "Address exists here";
        final byte[] t = text.getBytes(StandardCharsets.US_ASCII);
        final ByteBuffer b = ByteBuffer.allocate(128).order(ByteOrder.LITTLE_ENDIAN);
        int off = Rtnl.putHeader(b, 0, Rtnl.NLMSG_ERROR, Rtnl.NLM_F_CAPPED | Rtnl.NLM_F_ACK_TLVS, 7);
        b.putInt(off, -17);
        off += 4;
        final int inner = off;
        off = Rtnl.putHeader(b, inner, Rtnl.RTM_NEWADDR, 0x605, 7);
        b.putInt(inner, 40); // the original request length, though its payload is not echoed
        final byte[] z = new byte[t.length + 1];
        System.arraycopy(t, 0, z, 0, t.length);
        off = Rtnl.putAttr(b, off, Rtnl.NLMSGERR_ATTR_MSG, z, z.length);
        final int len = Rtnl.finish(b, 0, off);
        assertTrue(Rtnl.msgOk(b, 0, len));
        assertEquals(Rtnl.NLMSG_ERROR, Rtnl.msgType(b, 0));
        assertEquals(-17, Rtnl.errorCode(b, 0));
        assertEquals(7, Rtnl.errorRequestSeq(b, 0));
        assertEquals(text, Rtnl.errorMessage(b, 0));
    }

    @Test
    void anAckHasCodeZeroAndNoText() {
        final ByteBuffer b = buf("24000000 0200 0001 09000000 a0860100 00000000"
            + "28000000 1400 0506 09000000 00000000");
        assertTrue(Rtnl.msgOk(b, 0, 36));
        assertEquals(0, Rtnl.errorCode(b, 0));
        assertEquals(9, Rtnl.errorRequestSeq(b, 0));
        assertEquals(100_000, Rtnl.msgPid(b, 0));
        assertNull(Rtnl.errorMessage(b, 0));
    }

    /** RTM_NEWADDR as a dump returns it: 192.0.2.10/24 on ifindex 3, label d0, permanent, IFA_FLAGS. */
    static final String NEWADDR_V4 =
        "4c000000 1400 0200 05000000 a0860100"   // len 76, RTM_NEWADDR, MULTI, seq 5
            + "02 18 80 00 03000000"             // AF_INET /24 PERMANENT scope 0 index 3
            + "0800 0100 c000020a"               // IFA_ADDRESS
            + "0800 0200 c000020a"               // IFA_LOCAL
            + "0700 0300 643000 00"              // IFA_LABEL "d0"
            + "0800 0800 80000000"               // IFA_FLAGS PERMANENT
            + "1400 0600 ffffffff ffffffff 10270000 10270000"; // IFA_CACHEINFO

    @Test
    void decodesAnIpv4Address() throws Exception {
        final ByteBuffer b = buf(NEWADDR_V4);
        assertTrue(Rtnl.msgOk(b, 0, 76));
        final RtnlAddr a = new RtnlAddr();
        assertTrue(a.decode(b, 0));
        assertEquals(Rtnl.AF_INET, a.family());
        assertEquals(24, a.prefixLen());
        assertEquals(3, a.ifIndex());
        assertEquals(Rtnl.IFA_F_PERMANENT, a.flags());
        assertEquals("d0", a.label());
        assertTrue(a.is(new byte[] {(byte) 192, 0, 2, 10}));
        assertFalse(a.is(new byte[] {(byte) 192, 0, 2, 11}));
        assertEquals(InetAddress.getByName("192.0.2.10"), a.inetAddress());
        assertEquals("192.0.2.10/24", a.cidr());
    }

    /** RTM_DELADDR notification for 2001:db8::5/64 (IPv6 carries only IFA_ADDRESS). */
    static final String DELADDR_V6 =
        "40000000 1500 0000 00000000 00000000"
            + "0a 40 82 00 03000000"
            + "1400 0100 20010db8000000000000000000000005"
            + "1400 0600 ffffffff ffffffff 10270000 10270000";

    @Test
    void decodesAnIpv6Address() {
        final ByteBuffer b = buf(DELADDR_V6);
        final RtnlAddr a = new RtnlAddr();
        assertTrue(a.decode(b, 0));
        assertEquals(Rtnl.RTM_DELADDR, Rtnl.msgType(b, 0));
        assertEquals(Rtnl.AF_INET6, a.family());
        assertEquals("2001:db8::5/64", a.cidr());
        assertNull(a.label());
    }

    /** RTM_NEWLINK notification after `ip link set d0 down`: flags BROADCAST|MULTICAST, operstate DOWN. */
    static final String NEWLINK_DOWN =
        "48000000 1000 0000 00000000 00000000"
            + "00 00 0100 03000000 02100000 01000000"  // AF_UNSPEC, ARPHRD_ETHER, index 3, flags 0x1002, change UP
            + "0700 0300 643000 00"                   // IFLA_IFNAME "d0"
            + "0800 0400 dc050000"                    // IFLA_MTU 1500
            + "0500 1000 02 000000"                   // IFLA_OPERSTATE DOWN
            + "0500 2100 00 000000"                   // IFLA_CARRIER 0
            + "0800 2300 04000000";                   // IFLA_CARRIER_CHANGES (ignored)

    @Test
    void decodesALinkGoingDown() {
        final ByteBuffer b = buf(NEWLINK_DOWN);
        assertTrue(Rtnl.msgOk(b, 0, 72));
        final RtnlLink l = new RtnlLink();
        assertTrue(l.decode(b, 0));
        assertEquals(3, l.ifIndex());
        assertEquals(1, l.type());
        assertEquals("d0", l.name());
        assertTrue(l.nameIs("d0".getBytes(StandardCharsets.US_ASCII)));
        assertFalse(l.nameIs("d".getBytes(StandardCharsets.US_ASCII)));
        assertEquals(1500, l.mtu());
        assertEquals(RtnlLink.IF_OPER_DOWN, l.operState());
        assertEquals("DOWN", RtnlLink.operStateName(l.operState()));
        assertFalse(l.adminUp());
        assertFalse(l.hasCarrier());
        assertFalse(l.usable());
        assertEquals(Rtnl.IFF_UP, l.change());
    }

    @Test
    void aLinkIsUsableWhenUpAndRunning() {
        final ByteBuffer b = buf(NEWLINK_DOWN);
        b.putInt(16 + 8, Rtnl.IFF_UP | Rtnl.IFF_RUNNING | Rtnl.IFF_LOWER_UP | 0x1002);
        b.put(16 + 16 + 8 + 8 + 8 + 4, (byte) 1); // carrier
        final RtnlLink l = new RtnlLink();
        assertTrue(l.decode(b, 0));
        assertTrue(l.usable());
        assertTrue(l.hasCarrier());
    }

    @Test
    void iteratesAMultipartDumpAndStopsAtTruncation() {
        final String two = NEWADDR_V4 + DELADDR_V6.replaceFirst("00000000 00000000", "05000000 00000000")
            + "14000000 0300 0200 05000000 00000000 00000000";
        final ByteBuffer b = buf(two);
        final int n = 76 + 64 + 20;
        int count = 0;
        int last = -1;
        for (int off = 0; Rtnl.msgOk(b, off, n); off = Rtnl.msgNext(b, off)) {
            count++;
            last = Rtnl.msgType(b, off);
        }
        assertEquals(3, count);
        assertEquals(Rtnl.NLMSG_DONE, last);
        assertFalse(Rtnl.msgOk(b, 76, 76 + 30), "a message cut short is not OK");
        b.putInt(0, 8);
        assertFalse(Rtnl.msgOk(b, 0, n), "a length below the header is not OK");
    }

    @Test
    void truncatedAttributesAreIgnored() {
        final ByteBuffer b = buf(NEWADDR_V4);
        b.putInt(0, 16 + 8 + 8 + 2); // the message ends inside the IFA_LOCAL header
        final RtnlAddr a = new RtnlAddr();
        assertTrue(a.decode(b, 0));
        assertTrue(a.is(new byte[] {(byte) 192, 0, 2, 10})); // from IFA_ADDRESS
        assertNull(a.label());
    }

    @Test
    void compressesIpv6AsIproute2PrintsIt() {
        assertEquals("2001:db8::5", RtnlAddr.compress6("2001:db8:0:0:0:0:0:5"));
        assertEquals("::1", RtnlAddr.compress6("0:0:0:0:0:0:0:1"));
        assertEquals("fe80::1:0:0:2", RtnlAddr.compress6("fe80:0:0:0:1:0:0:2"));
        assertEquals("2001:db8:0:1:1:1:1:1", RtnlAddr.compress6("2001:db8:0:1:1:1:1:1"));
        assertEquals("2001:db8::", RtnlAddr.compress6("2001:db8:0:0:0:0:0:0"));
    }
}
