package armd.supercluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import armd.state.AtomicFile;
import armd.wire.SuperFrame;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.List;

class ConfigStoreTest {
    static final byte[] KEY = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    static final byte[] V1 = "[cluster]\nname = west\n# one\n".getBytes(StandardCharsets.UTF_8);
    static final byte[] V2 = "[cluster]\nname = west\n# two\n".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path tmp;

    private Path dir() {
        return ConfigStore.directory(tmp, "m1");
    }

    @Test
    void storesAndReadsBackAfterReopening() throws IOException {
        final ConfigStore store = ConfigStore.open(dir(), KEY);
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir())));
        assertEquals(0, store.version("west"));
        assertEquals(ConfigStore.Outcome.STORED, store.store("west", 1, V1).outcome());
        assertEquals(ConfigStore.Outcome.STORED, store.store("west", 3, V2).outcome());
        assertEquals("rw-------", PosixFilePermissions.toString(
            Files.getPosixFilePermissions(store.file("west"))));
        assertFalse(Files.exists(AtomicFile.tempFor(store.file("west"))));

        final ConfigStore again = ConfigStore.open(dir(), KEY);
        assertEquals(List.of(), again.problems());
        assertEquals(3, again.version("west"));
        assertArrayEquals(V2, again.copy("west").orElseThrow().bytes());
        assertEquals(1, again.committed().size());
        assertEquals(3, again.committed().get(0).version());
    }

    @Test
    void onlyHigherVersionsReplace() throws IOException {
        final ConfigStore store = ConfigStore.open(dir(), KEY);
        store.store("west", 5, V1);
        final byte[] before = Files.readAllBytes(store.file("west"));

        final ConfigStore.StoreResult lower = store.store("west", 4, V2);
        assertEquals(ConfigStore.Outcome.REFUSED, lower.outcome());
        assertEquals(5, lower.held());
        assertTrue(lower.message().contains("version 5 is held"), lower.message());

        final ConfigStore.StoreResult sameOther = store.store("west", 5, V2);
        assertEquals(ConfigStore.Outcome.REFUSED, sameOther.outcome());
        assertTrue(sameOther.message().contains("another configuration"), sameOther.message());

        assertEquals(ConfigStore.Outcome.ALREADY, store.store("west", 5, V1).outcome());
        assertTrue(store.store("west", 5, V1).ok());
        assertArrayEquals(before, Files.readAllBytes(store.file("west")), "the file is untouched");
        assertArrayEquals(V1, ConfigStore.open(dir(), KEY).copy("west").orElseThrow().bytes());
    }

    @Test
    void theSameVersionWithOtherBytesReplacesOnlyWhenAllowed() throws IOException {
        final ConfigStore store = ConfigStore.open(dir(), KEY);
        store.store("west", 5, V1);
        assertEquals(ConfigStore.Outcome.REFUSED, store.store("west", 5, V2, false).outcome());
        assertArrayEquals(V1, store.copy("west").orElseThrow().bytes());

        final ConfigStore.StoreResult replaced = store.store("west", 5, V2, true);
        assertEquals(ConfigStore.Outcome.REPLACED, replaced.outcome());
        assertTrue(replaced.ok());
        assertEquals(5, replaced.held());
        assertTrue(replaced.message().contains("version 5 replaced") && !replaced.message().contains("\n"),
            replaced.message());
        assertArrayEquals(V2, store.copy("west").orElseThrow().bytes());
        assertEquals(new SuperFrame.Committed("west", 5, SuperFrame.sha256(V2)),
            store.committed().get(0));
        assertArrayEquals(V2, ConfigStore.open(dir(), KEY).copy("west").orElseThrow().bytes(), "on disk too");

        // the same bytes again: nothing to do; a lower version: still refused
        assertEquals(ConfigStore.Outcome.ALREADY, store.store("west", 5, V2, true).outcome());
        assertEquals(ConfigStore.Outcome.REFUSED, store.store("west", 4, V1, true).outcome());
        assertEquals(ConfigStore.Outcome.STORED, store.store("west", 6, V1, true).outcome());
        assertEquals(ConfigStore.Outcome.STORED, store.store("east", 1, V1, true).outcome());
    }

    @Test
    void everyTruncationIsReportedAndTreatedAsAbsent() throws IOException {
        final ConfigStore store = ConfigStore.open(dir(), KEY);
        store.store("west", 2, V1);
        final byte[] whole = Files.readAllBytes(store.file("west"));
        for (int n = 0; n < whole.length; n++) {
            Files.write(store.file("west"), Arrays.copyOf(whole, n));
            final ConfigStore.Loaded loaded = ConfigStore.read(store.file("west"), "west", KEY);
            assertNull(loaded.copy(), "cut to " + n);
            assertOneLine(loaded.problem(), store.file("west"));
        }
        final ConfigStore reopened = ConfigStore.open(dir(), KEY);
        assertEquals(0, reopened.version("west"));
        assertEquals(1, reopened.problems().size());
        // a good copy replaces the damaged one
        assertEquals(ConfigStore.Outcome.STORED, reopened.store("west", 1, V2).outcome());
        assertEquals(1, ConfigStore.open(dir(), KEY).version("west"));
    }

    @Test
    void everyEditedByteIsReported() throws IOException {
        final ConfigStore store = ConfigStore.open(dir(), KEY);
        store.store("west", 2, V1);
        final byte[] whole = Files.readAllBytes(store.file("west"));
        for (int i = 0; i < whole.length; i++) {
            final byte[] edited = whole.clone();
            edited[i] ^= 0x01;
            Files.write(store.file("west"), edited);
            final ConfigStore.Loaded loaded = ConfigStore.read(store.file("west"), "west", KEY);
            assertNull(loaded.copy(), "byte " + i);
            assertOneLine(loaded.problem(), store.file("west"));
        }
    }

    @Test
    void anotherKeyDoesNotVerify() throws IOException {
        ConfigStore.open(dir(), KEY).store("west", 2, V1);
        final byte[] other = KEY.clone();
        other[3] ^= 0x40;
        final ConfigStore foreign = ConfigStore.open(dir(), other);
        assertEquals(0, foreign.version("west"));
        assertEquals(1, foreign.problems().size());
        assertTrue(foreign.problems().get(0).contains("another super cluster key"), foreign.problems().get(0));
        assertOneLine(foreign.problems().get(0), foreign.file("west"));
    }

    @Test
    void aCopyRenamedToAnotherClusterIsRefused() throws IOException {
        final ConfigStore store = ConfigStore.open(dir(), KEY);
        store.store("west", 2, V1);
        Files.copy(store.file("west"), store.file("east"));
        final ConfigStore.Loaded loaded = ConfigStore.read(store.file("east"), "east", KEY);
        assertNull(loaded.copy());
        assertTrue(loaded.problem().contains("copy of cluster 'west'"), loaded.problem());
        assertEquals(2, ConfigStore.open(dir(), KEY).version("west"));
    }

    @Test
    void anAbsentFileIsNoProblem() {
        final ConfigStore.Loaded loaded = ConfigStore.read(tmp.resolve("none.copy"), "none", KEY);
        assertNull(loaded.copy());
        assertNull(loaded.problem());
    }

    @Test
    void namesThatCannotBeFilesAndBadVersionsAreProgrammingErrors() throws IOException {
        final ConfigStore store = ConfigStore.open(dir(), KEY);
        assertThrows(IllegalArgumentException.class, () -> store.store("../x", 1, V1));
        assertThrows(IllegalArgumentException.class, () -> store.store("west", 0, V1));
    }

    private static void assertOneLine(final String problem, final Path file) {
        assertTrue(problem != null && !problem.contains("\n") && problem.startsWith(file.toString()), problem);
        assertTrue(problem.endsWith("treated as absent"), problem);
    }
}
