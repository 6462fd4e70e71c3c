package armd.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StateStoreTest {
    @TempDir
    Path dir;

    @Test
    void nothingSavedLoadsEmpty() throws Exception {
        assertEquals(Map.of(), new StateStore(dir.resolve("state")).load());
    }

    @Test
    void saveThenLoadGivesTheSameMapWithAwkwardValues() throws Exception {
        final StateStore store = StateStore.inDirectory(dir.resolve("server1"));
        final Map<String, String> m = new LinkedHashMap<>();
        m.put("clean-shutdown", "true");
        m.put("group.A.last", "server2 FAILOVER OTHER 2");
        m.put("odd", "a=b\\c\nd\re\u00e9 ");
        m.put("empty", "");
        store.save(m);
        assertEquals(m, store.load());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(store.file())));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("server1"))));
        store.save(Map.of("x", "1"));
        assertEquals(Map.of("x", "1"), store.load());
    }

    @Test
    void theFileIsReadableText() throws Exception {
        final StateStore store = new StateStore(dir.resolve("state"));
        store.save(Map.of("b", "2", "a", "line1\nline2"));
        final String text = Files.readString(store.file());
        assertTrue(text.startsWith("armd-state 1\na=line1\\nline2\nb=2\nend crc32c="), text);
    }

    @Test
    void aLeftoverTempFileIsIgnoredAndReplaced() throws Exception {
        final StateStore store = new StateStore(dir.resolve("state"));
        store.save(Map.of("v", "1"));
        Files.writeString(AtomicFile.tempFor(store.file()), "armd-state 1\nv=2\ngarb");
        assertEquals(Map.of("v", "1"), store.load());
        store.save(Map.of("v", "3"));
        assertEquals(Map.of("v", "3"), store.load());
        assertFalse(Files.exists(AtomicFile.tempFor(store.file())));
    }

    @Test
    void aDamagedOrTruncatedFileIsReportedNotMisread() throws Exception {
        final StateStore store = new StateStore(dir.resolve("state"));
        store.save(Map.of("v", "1", "w", "2"));
        final byte[] good = Files.readAllBytes(store.file());
        for (int len = 0; len < good.length; len++) {
            final byte[] cut = java.util.Arrays.copyOf(good, len);
            assertThrows(StateStore.CorruptStateException.class, () -> StateStore.decode(cut, "state"),
                "truncated to " + len);
        }
        final byte[] flipped = good.clone();
        flipped[15] ^= 1;
        final StateStore.CorruptStateException e = assertThrows(StateStore.CorruptStateException.class,
            () -> StateStore.decode(flipped, "state"));
        assertEquals("state: checksum mismatch: the file is damaged", e.getMessage());
    }

    @Test
    void anotherVersionIsRefused() {
        final byte[] v2 = StateStore.encode(Map.of("a", "1"));
        final String text = new String(v2, StandardCharsets.UTF_8).replace("armd-state 1", "armd-state 2");
        // re-seal with a valid checksum so only the version is wrong
        final String body = text.substring(0, text.indexOf("end crc32c="));
        final java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(body.getBytes(StandardCharsets.UTF_8));
        final byte[] sealed = (body + String.format("end crc32c=%08x%n", crc.getValue()))
            .getBytes(StandardCharsets.UTF_8);
        final StateStore.CorruptStateException e = assertThrows(StateStore.CorruptStateException.class,
            () -> StateStore.decode(sealed, "f"));
        assertEquals("f: not an armd state file of version 1 (first line 'armd-state 2')", e.getMessage());
    }

    @Test
    void badKeysAreRejectedBeforeWriting() {
        assertThrows(IllegalArgumentException.class, () -> StateStore.encode(Map.of("a=b", "1")));
        assertThrows(IllegalArgumentException.class, () -> StateStore.encode(Map.of("", "1")));
        assertThrows(IllegalArgumentException.class, () -> StateStore.encode(Map.of("a\nb", "1")));
    }

    @Test
    void atomicFileWithoutReplaceRefusesAnExistingTarget() throws Exception {
        final Path f = dir.resolve("key");
        AtomicFile.write(f, "one".getBytes(StandardCharsets.UTF_8), false);
        assertThrows(FileAlreadyExistsException.class,
            () -> AtomicFile.write(f, "two".getBytes(StandardCharsets.UTF_8), false));
        assertEquals("one", Files.readString(f));
        assertFalse(Files.exists(AtomicFile.tempFor(f)));
    }
}
