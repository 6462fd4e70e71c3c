package armd.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

class ControlCodecTest {
    private static final Path HEADER = Path.of("native/include/arm_protocol.h");
    private static final Path FIXTURES = Path.of("src/test/resources/fixtures/control");

    /** Every ARM_* integer constant of the C header: #defines and enum members. */
    private static Map<String, Long> headerConstants() throws IOException {
        final String text = Files.readString(HEADER);
        final Map<String, Long> constants = new TreeMap<>();
        final Matcher define = Pattern.compile("(?m)^#define (ARM_[A-Z0-9_]+) (0x[0-9A-Fa-f]+|[0-9]+)\\s*$")
            .matcher(text);
        while (define.find()) {
            constants.put(define.group(1), Long.decode(define.group(2)));
        }
        final Matcher member = Pattern.compile("(?m)^\\s+(ARM_[A-Z0-9_]+) = (0x[0-9A-Fa-f]+|[0-9]+),?")
            .matcher(text);
        while (member.find()) {
            constants.put(member.group(1), Long.decode(member.group(2)));
        }
        return constants;
    }

    private static Map<String, Long> javaConstants() throws IllegalAccessException {
        final Map<String, Long> constants = new TreeMap<>();
        for (final Field f : ControlCodec.class.getFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == int.class) {
                constants.put("ARM_" + f.getName(), (long) f.getInt(null));
            }
        }
        return constants;
    }

    @Test
    void theJavaConstantsAreExactlyTheCHeadersConstants() throws Exception {
        final Map<String, Long> c = headerConstants();
        final Map<String, Long> nfields = new TreeMap<>();
        c.entrySet().removeIf(e -> {
            if (e.getKey().startsWith("ARM_NFIELDS_")) {
                nfields.put(e.getKey(), e.getValue());
                return true;
            }
            return false;
        });
        assertTrue(c.size() > 30, "parsed only " + c.keySet());
        assertEquals(c, javaConstants());
        // ARM_NFIELDS_X is the field count of ARM_REQ_X or ARM_RES_X
        for (final Map.Entry<String, Long> e : nfields.entrySet()) {
            final String name = e.getKey().substring("ARM_NFIELDS_".length());
            final Long type = c.containsKey("ARM_REQ_" + name) ? c.get("ARM_REQ_" + name) : c.get("ARM_RES_" + name);
            assertTrue(type != null, e.getKey() + " names no type");
            assertEquals(e.getValue().intValue(), ControlCodec.fieldCount(type.intValue()), e.getKey());
        }
        // and every type has a count in the header
        for (final String k : c.keySet()) {
            if (k.startsWith("ARM_REQ_") || k.startsWith("ARM_RES_")) {
                assertTrue(nfields.containsKey("ARM_NFIELDS_" + k.substring(8)), "no ARM_NFIELDS for " + k);
            }
        }
    }

    private static List<String[]> manifest(final String kind) throws IOException {
        final List<String[]> rows = new ArrayList<>();
        for (final String line : Files.readAllLines(FIXTURES.resolve("MANIFEST.tsv"))) {
            if (line.startsWith(kind + "\t")) {
                rows.add(line.split("\t", -1));
            }
        }
        return rows;
    }

    private static String unescape(final String s) {
        final StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            final char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length()) {
                final char n = s.charAt(++i);
                sb.append(n == 'n' ? '\n' : n == 't' ? '\t' : n);
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    @Test
    void goodFixturesEncodeAndDecodeExactly() throws Exception {
        final List<String[]> rows = manifest("good");
        assertTrue(rows.size() >= 20);
        for (final String[] row : rows) {
            final String file = row[1];
            final int type = (int) javaConstants().get("ARM_" + row[2]).longValue();
            final List<String> fields = Arrays.stream(row, 5, row.length).map(ControlCodecTest::unescape).toList();
            final ControlCodec.Message m = new ControlCodec.Message(type, Integer.parseInt(row[3]),
                Integer.parseInt(row[4]), fields);
            final byte[] bytes = Files.readAllBytes(FIXTURES.resolve(file));
            assertArrayEquals(bytes, ControlCodec.encode(m), file);
            assertEquals(m, ControlCodec.decode(ByteBuffer.wrap(bytes)), file);
            if (ControlCodec.isRequest(type)) {
                final ByteBuffer buf = ByteBuffer.wrap(bytes);
                ControlCodec.checkRequestHeader(ControlCodec.decodeHeader(buf));
            }
        }
    }

    @Test
    void badFixturesAreRejectedAsRequests() throws Exception {
        final List<String[]> rows = manifest("bad");
        assertTrue(rows.size() >= 15);
        for (final String[] row : rows) {
            final byte[] bytes = Files.readAllBytes(FIXTURES.resolve(row[1]));
            final ControlCodec.MalformedException e = assertThrows(ControlCodec.MalformedException.class,
                () -> decodeRequest(bytes), row[1] + ": " + row[2]);
            assertFalse(e.getMessage().contains("\n"), e.getMessage());
        }
    }

    /** The server's order: header, header checks, then exactly payloadLength bytes. */
    private static ControlCodec.Message decodeRequest(final byte[] bytes) throws ControlCodec.MalformedException {
        final ByteBuffer buf = ByteBuffer.wrap(bytes);
        final ControlCodec.Header h = ControlCodec.decodeHeader(buf);
        ControlCodec.checkRequestHeader(h);
        if (h.payloadLength() != buf.remaining()) {
            throw new ControlCodec.MalformedException("length mismatch");
        }
        return new ControlCodec.Message(h.type(), h.flags(), h.status(), ControlCodec.decodeFields(h.type(), buf));
    }

    @Test
    void theHeaderLayoutIsBigEndianAtFixedOffsets() throws Exception {
        final byte[] b = Files.readAllBytes(FIXTURES.resolve("v1-status-json.bin"));
        assertArrayEquals(new byte[] {0x41, 0x52, 0x4D, 0x44, 0, 1, 0, 0x30, 0, 1, 0, 0, 0, 0, 0, 0}, b);
    }

    @Test
    void statusesMapToTheDocumentedExitCodes() {
        assertEquals(0, ControlCodec.exitCode(ControlCodec.ST_OK));
        assertEquals(1, ControlCodec.exitCode(ControlCodec.ST_REFUSED));
        assertEquals(1, ControlCodec.exitCode(ControlCodec.ST_FAULT));
        assertEquals(1, ControlCodec.exitCode(ControlCodec.ST_TIMEOUT));
        assertEquals(2, ControlCodec.exitCode(ControlCodec.ST_USAGE));
        assertEquals(2, ControlCodec.exitCode(ControlCodec.ST_UNKNOWN));
        assertEquals(3, ControlCodec.exitCode(ControlCodec.ST_SYSTEM));
        assertEquals(3, ControlCodec.exitCode(ControlCodec.ST_PROTOCOL));
    }
}
