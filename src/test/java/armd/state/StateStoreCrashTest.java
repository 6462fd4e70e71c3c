package armd.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** kill -9 of a process saving state, at random points: the file always holds a complete save. */
class StateStoreCrashTest {
    private static final int ROUNDS = 20;

    @Test
    void killNineAtAnyPointLosesNothing(@TempDir final Path dir) throws Exception {
        final Path file = dir.resolve("state");
        final StateStore store = new StateStore(file);
        final Random random = new Random(42);
        final String cp = codeSource(StateWriterMain.class) + ":" + codeSource(StateStore.class);
        final String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        long acknowledged = 0;
        for (int round = 0; round < ROUNDS; round++) {
            final int killAfter = 1 + random.nextInt(40);
            final Process p = new ProcessBuilder(java, "-Xshare:auto", "-XX:TieredStopAtLevel=1", "-cp", cp,
                StateWriterMain.class.getName(), file.toString(), "100000")
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(),
                StandardCharsets.UTF_8))) {
                for (int seen = 0; seen < killAfter; seen++) {
                    final String line = r.readLine();
                    assertTrue(line != null && line.startsWith("saved "), "child said " + line);
                    acknowledged = Long.parseLong(line.substring(6));
                }
                // SIGKILL while the child is in the middle of its next save(s)
                p.destroyForcibly();
                assertTrue(p.waitFor(30, TimeUnit.SECONDS), "child did not die");
            }
            final Map<String, String> loaded = store.load();
            final long version = Long.parseLong(loaded.get("version"));
            assertTrue(version >= acknowledged, "lost a save: " + version + " < " + acknowledged);
            // the only save that may have completed unacknowledged is the next one (and those the pipe held)
            assertEquals(StateWriterMain.stateOf(version), loaded, "state of version " + version);
            acknowledged = version;
        }
    }

    private static String codeSource(final Class<?> c) throws Exception {
        return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }
}
