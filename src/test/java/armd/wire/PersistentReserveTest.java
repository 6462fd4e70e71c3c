package armd.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** PERSISTENT RESERVE IN/OUT against the bytes sg_persist exchanged with a LIO disk (fixture). */
class PersistentReserveTest {
    private static final long A = 0x0102030405060708L;
    private static final long C = 0xa1a2a3a4a5a6a7a8L;
    private static Map<String, byte[]> fixture;

    @BeforeAll
    static void load() throws IOException {
        fixture = new LinkedHashMap<>();
        try (InputStream in = PersistentReserveTest.class.getResourceAsStream("/fixtures/persistent-reserve.txt")) {
            for (final String line : new String(in.readAllBytes(), StandardCharsets.US_ASCII).split("\n")) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                final int colon = line.indexOf(':');
                fixture.put(line.substring(0, colon).strip(),
                    HexFormat.of().parseHex(line.substring(colon + 1).replaceAll("\\s", "")));
            }
        }
    }

    private static byte[] f(final String name) {
        final byte[] b = fixture.get(name);
        if (b == null) {
            throw new AssertionError("no fixture " + name);
        }
        return b.clone();
    }

    private static byte[] cdbIn(final int sa) {
        final byte[] cdb = new byte[16];
        Arrays.fill(cdb, (byte) 0x77);
        assertEquals(10, PersistentReserve.inCdb(cdb, sa, 8192));
        return Arrays.copyOf(cdb, 10);
    }

    private static byte[] cdbOut(final int sa, final int type) {
        final byte[] cdb = new byte[16];
        Arrays.fill(cdb, (byte) 0x77);
        assertEquals(10, PersistentReserve.outCdb(cdb, sa, type));
        return Arrays.copyOf(cdb, 10);
    }

    private static byte[] parameters(final long key, final long sak) {
        final byte[] p = new byte[24];
        Arrays.fill(p, (byte) 0x77);
        assertEquals(24, PersistentReserve.outParameters(p, key, sak));
        return p;
    }

    @Test
    void theCdbsAreSgPersistsBytes() {
        final int wero = PersistentReserve.TYPE_WRITE_EXCLUSIVE_REGISTRANTS_ONLY;
        assertArrayEquals(f("read-keys-cdb"), cdbIn(PersistentReserve.READ_KEYS));
        assertArrayEquals(f("read-reservation-cdb"), cdbIn(PersistentReserve.READ_RESERVATION));
        assertArrayEquals(f("register-cdb"), cdbOut(PersistentReserve.REGISTER, 0));
        assertArrayEquals(f("register-ignore-cdb"), cdbOut(PersistentReserve.REGISTER_AND_IGNORE_EXISTING_KEY, 0));
        assertArrayEquals(f("reserve-cdb"), cdbOut(PersistentReserve.RESERVE, wero));
        assertArrayEquals(f("release-cdb"), cdbOut(PersistentReserve.RELEASE, wero));
        assertArrayEquals(f("clear-cdb"), cdbOut(PersistentReserve.CLEAR, 0));
        assertArrayEquals(f("preempt-cdb"), cdbOut(PersistentReserve.PREEMPT, wero));
        assertArrayEquals(f("preempt-and-abort-cdb"), cdbOut(PersistentReserve.PREEMPT_AND_ABORT, wero));
    }

    @Test
    void theParameterListsAreSgPersistsBytes() {
        assertArrayEquals(f("register-ignore-parameters"), parameters(0, A));
        assertArrayEquals(f("reserve-parameters"), parameters(A, 0));
        assertArrayEquals(f("clear-parameters"), parameters(C, 0));
        assertArrayEquals(f("register-parameters"), parameters(0, 1));
        assertArrayEquals(f("unregister-parameters"), parameters(1, 0));
        assertArrayEquals(f("preempt-parameters"), parameters(0x2222, 0x1111));
    }

    @Test
    void readKeysDecodes() {
        final byte[] none = f("read-keys-empty");
        assertEquals(new PersistentReserve.Keys(0, List.of(), false), PersistentReserve.decodeKeys(none, none.length));
        final byte[] two = f("read-keys-two");
        assertEquals(new PersistentReserve.Keys(2, List.of(A, C), false),
            PersistentReserve.decodeKeys(two, two.length));
        // the device has more keys than the allocation length let through
        assertEquals(new PersistentReserve.Keys(2, List.of(A), true), PersistentReserve.decodeKeys(two, 16));
    }

    @Test
    void readReservationDecodes() {
        final byte[] none = f("read-reservation-none");
        assertEquals(new PersistentReserve.Reservation(0, false, 0, 0, 0),
            PersistentReserve.decodeReservation(none, none.length));
        final byte[] held = f("read-reservation-held");
        final PersistentReserve.Reservation r = PersistentReserve.decodeReservation(held, held.length);
        assertEquals(new PersistentReserve.Reservation(2, true, A, 0, 5), r);
        assertEquals("write exclusive, registrants only", PersistentReserve.typeName(r.type()));
    }

    @Test
    void shortOrInconsistentDataIsNullNeverAnException() {
        final byte[] two = f("read-keys-two");
        for (int len = 0; len < 8; len++) {
            assertNull(PersistentReserve.decodeKeys(two, len), "length " + len);
            assertNull(PersistentReserve.decodeReservation(two, len), "length " + len);
        }
        two[7] = 0x11; // additional length 17: not whole keys
        assertNull(PersistentReserve.decodeKeys(two, two.length));
        final byte[] held = f("read-reservation-held");
        assertNull(PersistentReserve.decodeReservation(held, 20), "16 announced, 12 returned");
        held[7] = 8;
        assertNull(PersistentReserve.decodeReservation(held, held.length), "an additional length other than 16");
        assertNull(PersistentReserve.decodeKeys(new byte[4], 8), "a length past the array");
        final byte[] huge = {0, 0, 0, 1, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xf8};
        final PersistentReserve.Keys k = PersistentReserve.decodeKeys(huge, huge.length);
        assertTrue(k.truncated());
        assertEquals(List.of(), k.keys());
    }

    @Test
    void theSenseDataTheDevicesReturnedDecode() {
        final ScsiSense s = new ScsiSense();
        final byte[] opcode = f("sense-invalid-opcode");
        assertTrue(s.decode(opcode, opcode.length));
        assertEquals("ILLEGAL REQUEST 20/00 invalid command operation code", s.describe());
        final byte[] released = f("sense-reservations-released");
        assertTrue(s.decode(released, released.length));
        assertEquals("UNIT ATTENTION 2a/04 reservations released", s.describe());
    }

    @Test
    void namesAndProgrammingErrors() {
        assertEquals("PREEMPT AND ABORT", PersistentReserve.outName(PersistentReserve.PREEMPT_AND_ABORT));
        assertEquals("0xa1a2a3a4a5a6a7a8", PersistentReserve.keyText(C));
        assertFalse(PersistentReserve.typeName(9).isEmpty());
        assertThrows(IllegalArgumentException.class, () -> PersistentReserve.inCdb(new byte[10], 32, 8));
        assertThrows(IllegalArgumentException.class, () -> PersistentReserve.inCdb(new byte[10], 0, 65536));
        assertThrows(IllegalArgumentException.class, () -> PersistentReserve.outCdb(new byte[10], 0, 16));
    }
}
