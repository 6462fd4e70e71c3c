package armd.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Random;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class HmacSha256Test {
    private static final HexFormat HEX = HexFormat.of();

    private static byte[] repeat(final int b, final int n) {
        final byte[] a = new byte[n];
        java.util.Arrays.fill(a, (byte) b);
        return a;
    }

    private static byte[] bytes(final String spec) {
        // "hex:..." literal bytes, "rep:XX:N" N bytes of XX, anything else ASCII text
        if (spec.startsWith("hex:")) {
            return HEX.parseHex(spec.substring(4));
        }
        if (spec.startsWith("rep:")) {
            final String[] p = spec.split(":");
            return repeat(Integer.parseInt(p[1], 16), Integer.parseInt(p[2]));
        }
        return spec.getBytes(StandardCharsets.US_ASCII);
    }

    /** RFC 4231 section 4: test cases 1-4, 6, 7 (full 32 bytes) and 5 (truncated to 128 bits). */
    @ParameterizedTest(name = "RFC 4231 case {0}")
    @CsvSource(delimiter = '|', value = {
        "1|rep:0b:20|Hi There|b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
        "2|Jefe|what do ya want for nothing?|5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
        "3|rep:aa:20|rep:dd:50|773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe",
        "4|hex:0102030405060708090a0b0c0d0e0f10111213141516171819|rep:cd:50|"
            + "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b",
        "5|rep:0c:20|Test With Truncation|a3b6167473100ee06e0c796c2955552b",
        "6|rep:aa:131|Test Using Larger Than Block-Size Key - Hash Key First|"
            + "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
        "7|rep:aa:131|This is a test using a larger than block-size key and a larger than block-size data. The key "
            + "needs to be hashed before being used by the HMAC algorithm.|"
            + "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
    })
    void rfc4231Vectors(final int testCase, final String key, final String data, final String expectedHex) {
        final byte[] expected = HEX.parseHex(expectedHex);
        final byte[] msg = bytes(data);
        final byte[] out = new byte[expected.length + 3];
        new HmacSha256(bytes(key)).mac(msg, 0, msg.length, out, 3, expected.length);
        assertArrayEquals(expected, java.util.Arrays.copyOfRange(out, 3, out.length), "case " + testCase);
    }

    @Test
    void agreesWithJavaxCryptoMacByteForByte() throws Exception {
        final Random r = new Random(4231);
        final Mac jdk = Mac.getInstance("HmacSHA256");
        for (int i = 0; i < 300; i++) {
            final byte[] key = new byte[1 + r.nextInt(200)];
            r.nextBytes(key);
            final byte[] msg = new byte[r.nextInt(1500)];
            r.nextBytes(msg);
            final int off = msg.length == 0 ? 0 : r.nextInt(msg.length);
            final int len = msg.length - off;
            jdk.init(new SecretKeySpec(key, "HmacSHA256"));
            jdk.update(msg, off, len);
            final byte[] expected = jdk.doFinal();
            final HmacSha256 mine = new HmacSha256(key);
            final byte[] out = new byte[32];
            // twice: the digest is reused, so the second MAC must not depend on the first
            mine.mac(msg, off, len, out, 0, 32);
            mine.mac(msg, off, len, out, 0, 32);
            assertArrayEquals(expected, out, "key " + key.length + " bytes, message " + len + " bytes");
        }
    }

    @Test
    void constantTimeEqualsComparesTheWholeRange() {
        final byte[] a = HEX.parseHex("00112233445566778899");
        final byte[] b = HEX.parseHex("ff112233445566778899");
        assertTrue(HmacSha256.constantTimeEquals(a, 1, b, 1, 9));
        assertFalse(HmacSha256.constantTimeEquals(a, 0, b, 0, 10));
        assertFalse(HmacSha256.constantTimeEquals(a, 1, b, 0, 9));
    }
}
