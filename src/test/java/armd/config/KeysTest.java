package armd.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/** The table of keys: consistent in itself, and every key of the cluster file shown in the shipped example. */
class KeysTest {
    private static final BiConsumer<Integer, String> NO_PROBLEM = (line, message) -> {
        throw new AssertionError(line + ": " + message);
    };

    @Test
    void theSyntaxKnowsTheTablesSectionsAndKeys() {
        final IniFile.Grammar g = Keys.CLUSTER.grammar();
        assertEquals(Boolean.FALSE, g.named("cluster"));
        assertEquals(Boolean.TRUE, g.named("monitor"));
        assertEquals(null, g.named("disk"));
        assertEquals(List.of("port", "multicast-group", "interval", "timeout"), g.keys("heartbeat"));
        assertEquals(List.of("[cluster]", "[heartbeat]", "[server NAME]", "[group NAME]", "[resource NAME]",
            "[monitor NAME]"), g.homes());
        assertEquals(List.of("ip", "disk", "nfs"), Keys.CLUSTER.variants("resource"));
        assertEquals(List.of("device", "sector"), Keys.CLUSTER.names("monitor", "partition"));
        assertEquals(List.of("[super]", "[cluster NAME]"), Keys.SUPER.grammar().homes());
        assertEquals(List.of("servers"), Keys.SUPER.grammar().keys("cluster"));
    }

    @Test
    void everySimpleKeysDefaultIsOneOfItsValues() {
        for (final Keys.Table t : List.of(Keys.CLUSTER, Keys.SUPER)) {
            final Set<String> seen = new HashSet<>();
            for (final Keys.Key k : t.keys()) {
                final String what = t.file() + " [" + k.section() + "] " + k.name();
                assertNotNull(t.section(k.section()), what + ": no such section");
                assertTrue(seen.add(k.section() + " " + k.variant() + " " + k.name()), what + " twice");
                assertTrue(!k.help().isBlank() && !k.def().isBlank() && !k.range().isBlank(), what);
                final Map<String, IniFile.Entry> absent = Map.of();
                switch (k.type()) {
                    case DURATION -> {
                        assertTrue(k.min() <= k.number() && k.number() <= k.max(), what);
                        assertEquals((int) k.number(), k.duration(absent, NO_PROBLEM), what);
                        final Map<String, IniFile.Entry> shown = Map.of(k.name(),
                            new IniFile.Entry(k.name(), Keys.text((int) k.number()), 1));
                        assertEquals((int) k.number(), k.duration(shown, NO_PROBLEM), what);
                    }
                    case INTEGER -> {
                        assertTrue(k.min() <= k.number() && k.number() <= k.max(), what);
                        assertEquals((int) k.number(), k.integer(absent, NO_PROBLEM), what);
                        assertTrue(k.def().startsWith(Long.toString(k.number())), what);
                    }
                    case YES_NO -> assertEquals(k.number() != 0, k.yesNo(Map.of(k.name(),
                        new IniFile.Entry(k.name(), k.def(), 1)), NO_PROBLEM), what);
                    case CHOICE -> {
                        if (k.choices().contains(k.def())) {
                            assertEquals(k.def(), k.choice(Map.of(k.name(), new IniFile.Entry(k.name(), k.def(), 1)),
                                null, NO_PROBLEM), what);
                        } else if (!k.choices().isEmpty()) {
                            // a default that depends on another key names the choices it takes
                            assertTrue(k.choices().stream().anyMatch(k.def()::contains), what);
                        }
                    }
                    default -> assertTrue(k.choices().isEmpty(), what);
                }
            }
        }
    }

    /**
     * Each key of the table appears in conf/armd.conf.example within a section of its type: as a {@code key =} line
     * (commented out or not), a {@code key = } in a comment, or a comment line that starts with the key (the
     * monitor keys' list). A header, commented out or not, starts a section ({@code #[tiebreak]},
     * {@code # [monitor NAME]: ...}).
     */
    @Test
    void theShippedExampleShowsEveryKeyOfTheClusterFile() throws IOException {
        final Pattern header = Pattern.compile("^#?\\s*\\[([a-z-]+)");
        final Pattern assignment = Pattern.compile("(?:^#?|[\\s,'])\\s*([a-z][a-z0-9-]*)\\s*=");
        final Pattern listed = Pattern.compile("^#\\s{2,}([a-z][a-z0-9-]*)\\s{2,}");
        final Map<String, Set<String>> shown = new HashMap<>();
        String section = "";
        for (final String line : Files.readAllLines(Path.of("conf/armd.conf.example"))) {
            final Matcher h = header.matcher(line);
            if (h.find()) {
                section = h.group(1);
                continue;
            }
            final Set<String> keys = shown.computeIfAbsent(section, s -> new HashSet<>());
            final Matcher a = assignment.matcher(line);
            while (a.find()) {
                keys.add(a.group(1));
            }
            final Matcher l = listed.matcher(line);
            if (l.find()) {
                keys.add(l.group(1));
            }
        }
        final List<String> missing = new ArrayList<>();
        for (final Keys.Key k : Keys.CLUSTER.keys()) {
            if (!shown.getOrDefault(k.section(), Set.of()).contains(k.name())) {
                missing.add("[" + k.section() + "] " + k.name());
            }
        }
        assertEquals(List.of(), missing, "keys of the table that conf/armd.conf.example does not show");
    }
}
