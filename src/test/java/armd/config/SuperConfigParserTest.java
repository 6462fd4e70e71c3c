package armd.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SuperConfigParserTest {
    private static final String VALID = """
        # the site's super cluster
        [super]
        name = site
        key-file = super.key
        master = east
        port = 7500
        state-dir = state
        start-from-copy = yes
        fetch-timeout = 1m
        poll-interval = 5s
        timeout = 500ms

        [cluster east]
        servers = east1 192.0.2.11, east2 192.0.2.12

        [cluster west]
        servers = west1 192.0.2.21,west2 192.0.2.22
        """;

    @TempDir
    Path dir;

    private Path file;

    @BeforeEach
    void setUp() throws IOException {
        file = dir.resolve("super.conf");
        ConfigParserTest.writeKey(dir.resolve("super.key"));
    }

    private List<String> problems(final String text) throws IOException {
        Files.writeString(file, text);
        final SuperConfigParser.Result r = new SuperConfigParser(false).parse(file);
        return r.problems().stream().map(p -> p.line() + ": " + p.message()).toList();
    }

    /** The shipped example is valid once its key file is where it says (here: the test's key). */
    @Test
    void theExampleIsValid() throws IOException {
        final String example = Files.readString(Path.of("conf/super.conf.example"))
            .replace("key-file = /etc/armd/super.key", "key-file = super.key");
        assertEquals(List.of(), problems(example));
    }

    @Test
    void aValidFileGivesEveryValue() throws IOException {
        Files.writeString(file, VALID);
        final SuperConfigParser.Result r = new SuperConfigParser(false).parse(file);
        assertEquals(List.of(), r.problems());
        final SuperConfig c = r.config();
        assertEquals("site", c.name());
        assertEquals(dir.resolve("super.key"), c.keyFile());
        assertEquals("east", c.master());
        assertEquals(7500, c.port());
        assertEquals(dir.resolve("state"), c.stateDir());
        assertTrue(c.startFromCopy());
        assertEquals(60_000, c.fetchTimeoutMs());
        assertEquals(5_000, c.pollIntervalMs());
        assertEquals(500, c.requestTimeoutMs());
        assertEquals(List.of("east", "west"), c.clusters().stream().map(SuperConfig.Cluster::name).toList());
        assertEquals(List.of("west1", "west2"), c.cluster("west").orElseThrow().serverNames());
        assertEquals("west", c.server("west2").orElseThrow().cluster());
        assertEquals("192.0.2.22", c.server("west2").orElseThrow().address().getHostAddress());
        assertEquals(dir.toAbsolutePath(), c.baseDir());
    }

    @Test
    void defaultsApplyToWhatIsLeftOut() throws IOException {
        Files.writeString(file, "[super]\nname = s\nkey-file = super.key\nmaster = a\n[cluster a]\nservers = a1 "
            + "192.0.2.1\n");
        final SuperConfig c = new SuperConfigParser(false).parse(file).config();
        assertEquals(SuperConfigParser.DEFAULT_PORT, c.port());
        assertEquals(ConfigParser.DEFAULT_STATE_DIR, c.stateDir());
        assertEquals(false, c.startFromCopy());
        assertEquals(SuperConfigParser.DEFAULT_FETCH_TIMEOUT_MS, c.fetchTimeoutMs());
        assertEquals(SuperConfigParser.DEFAULT_POLL_INTERVAL_MS, c.pollIntervalMs());
        assertEquals(SuperConfigParser.DEFAULT_TIMEOUT_MS, c.requestTimeoutMs());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
        5  | master = north            | 5: master 'north' is not a [cluster NAME] of this file: known clusters are \
        east, west
        6  | port = 0                  | 6: port '0' is not a whole number from 1 to 65535
        8  | start-from-copy = maybe   | 8: start-from-copy 'maybe' is not yes or no
        9  | fetch-timeout = 10        | 9: fetch-timeout '10' is not a duration: write a number and a unit, e.g. \
        10ms, 30s, 5m, 1h
        11 | timeout = 1ms             | 11: timeout 1ms is out of range: give 10ms to 600s
        4  | key-file = nokey          | 4: key file DIR/nokey does not exist: create it with 'armd keygen DIR/nokey' \
        and copy it to every server
        14 | servers = east1           | 14: 'east1' is not 'NAME ADDRESS': give each server as its name and its \
        heartbeat address, e.g. server1 192.0.2.11, separated by commas
        14 | servers = east1 192.0.2.300 | 14: '192.0.2.300' is not a unicast IPv4 or IPv6 address (not a \
        link-local one): give server east1's heartbeat address, e.g. 192.0.2.11 or 2001:db8::11
        14 | servers = east1 fe80::11    | 14: 'fe80::11' is not a unicast IPv4 or IPv6 address (not a link-local \
        one): give server east1's heartbeat address, e.g. 192.0.2.11 or 2001:db8::11
        14 | servers = east1 192.0.2.11, west1 192.0.2.13 | 17: server west1 is also listed in cluster east: server \
        names must be unique in the super cluster
        14 | servers = east1 192.0.2.21 | 17: address 192.0.2.21 is also given for server east1: every server needs \
        its own address
        16 | [cluster east]            | 16: cluster east is defined twice (also at line 13): rename or remove one
        16 | [group west]              | 16: unknown section [group west]: sections are [super] and [cluster NAME]
        3  | nickname = site           | 3: unknown key 'nickname' in [super]: known keys are name, key-file, \
        master, port, generation, state-dir, start-from-copy, fetch-timeout, apply, poll-interval, timeout
        """)
    void eachMistakeIsReportedAtItsLine(final int line, final String replacement, final String expected)
        throws IOException {
        final List<String> lines = new java.util.ArrayList<>(VALID.lines().toList());
        lines.set(line - 1, replacement);
        final List<String> p = problems(String.join("\n", lines) + "\n");
        assertTrue(p.contains(expected.replace("DIR", dir.toString())), String.join("\n", p));
    }

    @Test
    void missingSectionsAndKeysAreReported() throws IOException {
        assertEquals(List.of(
            "0: no [super] section: add one with at least 'name', 'key-file' and 'master'",
            "0: no [cluster NAME] section: add one per cluster, with 'servers = NAME ADDRESS, ...'"),
            problems("# nothing\n").stream().sorted().toList().reversed());
        assertEquals(List.of(
            "1: [super] has no name: add 'name = NAME' (the same on every server)",
            "1: [super] has no key-file: add 'key-file = PATH' and create the file with 'armd keygen PATH' (a key "
                + "of its own, not a cluster's)",
            "1: [super] has no master: add 'master = CLUSTER', the cluster whose servers hold every cluster's "
                + "configuration",
            "2: cluster a has no servers: add 'servers = NAME ADDRESS, ...', each server's name in the cluster's "
                + "configuration and its heartbeat address"),
            problems("[super]\n[cluster a]\n"));
    }

    @Test
    void aMissingFileIsOneLine() {
        final SuperConfigParser.Result r = new SuperConfigParser(false).parse(dir.resolve("none.conf"));
        assertEquals(List.of(dir.resolve("none.conf") + ": no such file: give the path of the super cluster file "
            + "(see conf/super.conf.example)"), r.problems().stream().map(Problem::toString).toList());
    }

    @Test
    void aControlCharacterStopsAtItsLine() throws IOException {
        assertEquals(List.of("2: control character U+001B in this line: a configuration file is text, remove it"),
            problems("[super]\nname = \u001b[2Jsite\n"));
    }

    /** The management server checks another cluster's configuration without its scripts and key file. */
    @Test
    void aConfigurationOfAnotherHostIsCheckedWithoutItsFiles() {
        final byte[] conf = ("[cluster]\nname = west\nkey-file = /etc/armd/west.key\n[server west1]\naddress = "
            + "192.0.2.21\n[group A]\npolicy = west1\nstart = groups/A/start.sh\nstop = groups/A/stop.sh\n")
            .getBytes(StandardCharsets.UTF_8);
        final ConfigParser.Result elsewhere = new ConfigParser(false).parse(conf, Path.of("west.conf"), dir, false);
        assertEquals(List.of(), elsewhere.problems());
        assertEquals(dir.toAbsolutePath().resolve("groups/A/start.sh"), elsewhere.config().groups().getFirst()
            .startScript());
        final ConfigParser.Result here = new ConfigParser(false).parse(conf, Path.of("west.conf"), dir, true);
        assertEquals(List.of("west.conf:3: key file /etc/armd/west.key does not exist: create it with 'armd keygen "
            + "/etc/armd/west.key' and copy it to every server"), here.problems().stream().map(Problem::toString)
            .filter(p -> p.contains(":3:")).toList());
        final ConfigParser.Result broken = new ConfigParser(false).parse(
            "[cluster]\nname = west\n".getBytes(StandardCharsets.UTF_8), Path.of("west.conf"), dir, false);
        assertTrue(broken.problems().stream().anyMatch(p -> p.toString().equals("west.conf:1: [cluster] has no "
            + "key-file: add 'key-file = PATH' and create the file with 'armd keygen PATH'")), broken.toString());
    }
}
