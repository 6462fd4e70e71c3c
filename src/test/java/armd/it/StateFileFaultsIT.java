package armd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import armd.state.AtomicFile;
import armd.state.StateStore;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A save of the state store (temp file, write, fsync, rename) that fails at any step, on real file systems
 * made to fail: the old file stays whole under its name and no temporary file is left behind (a full disk is
 * not made fuller by failed saves), and the next save after the fault is gone succeeds. Root (mounts).
 */
class StateFileFaultsIT {
    private static final Map<String, String> OLD = Map.of("version", "1", "member", "true");
    private static final Map<String, String> NEW = Map.of("version", "2", "member", "true", "pad", "x".repeat(600));

    @TempDir
    Path tmp;

    @BeforeEach
    void root() {
        Tmpfs.requireRoot("StateFileFaultsIT");
    }

    @Test
    void noInodeForTheTempFile() throws Exception {
        // 3 inodes: the root directory, the state file, and one the test takes away
        try (Tmpfs fs = Tmpfs.withInodes(tmp.resolve("fs"), 256, 3)) {
            final StateStore store = new StateStore(fs.path().resolve("state"));
            store.save(OLD);
            Files.writeString(fs.path().resolve("other"), "");
            assertFailsAndKeepsTheOldFile(store, "No space left on device");
            Files.delete(fs.path().resolve("other"));
            store.save(NEW);
            assertEquals(NEW, store.load());
        }
    }

    @Test
    void writeFailsOnAFullFileSystem() throws Exception {
        try (Tmpfs fs = Tmpfs.mount(tmp.resolve("fs"), 64)) {
            final StateStore store = new StateStore(fs.path().resolve("state"));
            store.save(OLD);
            fs.fill();
            assertFailsAndKeepsTheOldFile(store, "No space left on device");
            fs.free();
            store.save(NEW);
            assertEquals(NEW, store.load());
        }
    }

    @Test
    void fsyncFailsWhenTheDiskStopsWriting() throws Exception {
        try (LoopDisk disk = LoopDisk.ext4(16)) {
            final Path dir = disk.mount("state");
            final StateStore store = new StateStore(dir.resolve("state"));
            store.save(OLD);
            // from here every write of the device fails (EIO): write(2) fills the page cache, fsync(2) fails
            disk.injectIoError();
            final IOException e = assertThrows(IOException.class, () -> store.save(NEW));
            assertTrue(String.valueOf(e.getMessage()).contains("Input/output error"), e.toString());
            assertEquals(OLD, store.load());
            assertNoTempFile(dir);
        }
    }

    @Test
    void renameFailsOverAnImmutableFile() throws Exception {
        try (Tmpfs fs = Tmpfs.mount(tmp.resolve("fs"), 256)) {
            final StateStore store = new StateStore(fs.path().resolve("state"));
            store.save(OLD);
            Netns.run("chattr", "+i", store.file().toString());
            try {
                assertFailsAndKeepsTheOldFile(store, "Operation not permitted");
            } finally {
                Netns.run("chattr", "-i", store.file().toString());
            }
            store.save(NEW);
            assertEquals(NEW, store.load());
        }
    }

    private static void assertFailsAndKeepsTheOldFile(final StateStore store, final String why) throws IOException {
        // twice: a second failed save finds the state exactly as the first left it
        for (int i = 0; i < 2; i++) {
            final IOException e = assertThrows(IOException.class, () -> store.save(NEW));
            assertTrue(String.valueOf(e.getMessage()).contains(why), e.toString());
            assertEquals(OLD, store.load());
            assertNoTempFile(store.file().getParent());
        }
    }

    private static void assertNoTempFile(final Path dir) throws IOException {
        assertFalse(Files.exists(AtomicFile.tempFor(dir.resolve("state"))), "temporary file left behind");
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(java.util.List.of(), s.map(p -> p.getFileName().toString())
                .filter(n -> n.endsWith(".tmp")).toList());
        }
    }
}
