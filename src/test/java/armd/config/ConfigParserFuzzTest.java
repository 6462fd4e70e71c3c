package armd.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The configuration parser on arbitrary file bytes, coverage-guided (Jazzer; {@code scripts/fuzz} fuzzes, the
 * unit tests replay the corpus in {@code ConfigParserFuzzTestInputs}, seeded from conf/armd.conf.example). The
 * file lies next to a key file and the example's scripts, so valid references reach the deeper checks.
 * Properties: no exception; the file is valid, or every problem is one clean line {@code FILE:LINE: message}
 * (no control character, a line of the file or 0 for the whole file) as {@code armd check} prints it.
 */
class ConfigParserFuzzTest {
    /** Longest problem line: a value is echoed, and lines of the file are bounded. */
    private static final int MAX_PROBLEM_CHARS = 16384;

    private static Path dir;
    private static Path file;

    @BeforeAll
    static void files() throws IOException {
        dir = Files.createTempDirectory("armd-config-fuzz");
        file = dir.resolve("armd.conf");
        ConfigParserTest.writeKey(dir.resolve("armd.key"));
        Files.createDirectories(dir.resolve("groups/A"));
        ConfigParserTest.script(dir.resolve("groups/A/start.sh"));
        ConfigParserTest.script(dir.resolve("groups/A/stop.sh"));
    }

    @AfterAll
    static void removeFiles() throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (final Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    @FuzzTest(maxDuration = "10s")
    void parse(final byte[] data) throws IOException {
        Files.write(file, data);
        final ConfigParser.Result r = new ConfigParser().parse(file);
        if (r.valid()) {
            assertTrue(r.problems().isEmpty());
            return;
        }
        assertFalse(r.problems().isEmpty(), "invalid without a problem");
        final long lines = new String(data, java.nio.charset.StandardCharsets.UTF_8).split("\\R", -1).length;
        for (final Problem p : r.problems()) {
            final String line = p.toString();
            assertEquals(file, p.file());
            assertTrue(p.line() >= 0 && p.line() <= lines, "line " + p.line() + " of " + lines + ": " + line);
            assertTrue(line.startsWith(file + (p.line() > 0 ? ":" + p.line() + ": " : ": ")), line);
            assertFalse(p.message().isBlank(), line);
            assertTrue(line.length() <= MAX_PROBLEM_CHARS, "a problem of " + line.length() + " characters");
            assertTrue(line.chars().noneMatch(ConfigParserFuzzTest::unprintable), "unprintable: " + line);
        }
    }

    /** A character that breaks or hides part of a terminal line. */
    private static boolean unprintable(final int c) {
        return Character.isISOControl(c) && c != '\t' || c == '\u2028' || c == '\u2029';
    }
}
