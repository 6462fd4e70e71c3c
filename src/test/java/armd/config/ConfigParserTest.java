package armd.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import armd.it.Need;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Collectors;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConfigParserTest {
    /** A valid file; the error cases below change one line of it. */
    private static final String VALID = """
        # test cluster
        [cluster]
        name = test
        key-file = armd.key
        auto-return = yes
        startup-wait = 5s
        state-dir = state
        socket = /run/armd-test.sock

        [heartbeat]
        port = 7000
        multicast-group = 239.1.2.3
        interval = 20ms   # a comment after a value
        timeout = 1s

        [server s1]
        address = 192.0.2.1, 198.51.100.1
        [server s2]
        address = 192.0.2.2,198.51.100.2

        [group A]
        policy = s1, s2
        start = start.sh
        stop = /DIR/stop.sh
        script-timeout = 2m
        [group B]
        policy = s2
        start = start.sh
        stop = start.sh
        """;

    @TempDir
    Path dir;

    private Path file;

    @BeforeEach
    void setUp() throws IOException {
        file = dir.resolve("armd.conf");
        writeKey(dir.resolve("armd.key"));
        script(dir.resolve("start.sh"));
        script(dir.resolve("stop.sh"));
    }

    static void writeKey(final Path p) throws IOException {
        Files.writeString(p, ClusterKey.format(ClusterKey.generate()));
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-------"));
    }

    static void script(final Path p) throws IOException {
        Files.writeString(p, "#!/bin/sh\nexit 0\n");
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private ConfigParser.Result parse(final String text) throws IOException {
        Files.writeString(file, text.replace("/DIR", dir.toString()));
        return new ConfigParser(false).parse(file);
    }

    private List<String> problems(final String text) throws IOException {
        final ConfigParser.Result r = parse(text);
        assertNull(r.config());
        return r.problems().stream().map(p -> {
            assertEquals(file, p.file());
            return p.line() + ": " + p.message();
        }).toList();
    }

    /** The problems of VALID with line {@code line} (1-based) replaced by {@code replacement}. */
    private List<String> problemsWithLine(final int line, final String replacement) throws IOException {
        final List<String> lines = new java.util.ArrayList<>(VALID.lines().toList());
        lines.set(line - 1, replacement);
        return problems(String.join("\n", lines) + "\n");
    }

    @Test
    void aValidFileGivesEveryValue() throws IOException {
        final ConfigParser.Result r = parse(VALID);
        assertEquals(List.of(), r.problems());
        final ClusterConfig c = r.config();
        assertEquals(file, c.file());
        assertEquals("test", c.name());
        assertEquals(dir.resolve("armd.key"), c.keyFile());
        assertTrue(c.autoReturn());
        assertEquals(5000, c.startupWaitMs());
        assertEquals(dir.resolve("state"), c.stateDir());
        assertEquals(Path.of("/run/armd-test.sock"), c.socketPath());
        assertEquals(new ClusterConfig.Heartbeat(7000, InetAddress.getByName("239.1.2.3"), 20, 1000), c.heartbeat());
        assertEquals(List.of(
            new ClusterConfig.Server(0, "s1", List.of(InetAddress.getByName("192.0.2.1"),
                InetAddress.getByName("198.51.100.1"))),
            new ClusterConfig.Server(1, "s2", List.of(InetAddress.getByName("192.0.2.2"),
                InetAddress.getByName("198.51.100.2")))), c.servers());
        assertEquals(List.of(
            new ClusterConfig.Group(0, "A", List.of(0, 1), dir.resolve("start.sh"), dir.resolve("stop.sh"), 120_000),
            new ClusterConfig.Group(1, "B", List.of(1), dir.resolve("start.sh"), dir.resolve("start.sh"), 60_000)),
            c.groups());
        assertEquals(2, c.group("A").orElseThrow().priorityOf(1));
        assertEquals(0, c.group("B").orElseThrow().priorityOf(0));
    }

    @Test
    void leftOutKeysTakeTheDefaults() throws IOException {
        final ConfigParser.Result r = parse("""
            [cluster]
            name = t
            key-file = armd.key
            [server only]
            address = 192.0.2.9
            """);
        assertEquals(List.of(), r.problems());
        final ClusterConfig c = r.config();
        assertFalse(c.autoReturn());
        assertEquals(30_000, c.startupWaitMs());
        assertEquals(Path.of("/var/lib/armd"), c.stateDir());
        assertEquals(Path.of("/run/armd/armd.sock"), c.socketPath());
        assertEquals(new ClusterConfig.Heartbeat(7405, null, 10, 100), c.heartbeat());
        assertEquals(List.of(), c.groups());
    }

    @Test
    void multicastNoneMeansUnicast() throws IOException {
        final ConfigParser.Result r = parse(VALID.replace("multicast-group = 239.1.2.3", "multicast-group = none"));
        assertNull(r.config().heartbeat().multicastGroup());
    }

    // a row ending in \ goes on in the next line (a text-block line continuation)
    @ParameterizedTest(name = "line {0}: {1}")
    @CsvSource(delimiter = '|', textBlock = """
        3  | nmae = x                  | 3: unknown key 'nmae' in [cluster]: known keys are name, key-file, \
        auto-return, startup-wait, state-dir, socket, max-failovers, down-action, crash-action, status-listen, log-level
        5  | down-action = halt        | 5: down-action 'halt' is not one of none, poweroff, reboot
        5  | crash-action = halt       | 5: crash-action 'halt' is not one of release, reboot, panic
        5  | max-failovers = -1        | 5: max-failovers '-1' is not a whole number from 0 to 1000
        3  | name = bad name!          | 3: cluster name 'bad name!' is not 1 to 32 letters, digits, '.', '_' or '-': \
        rename it
        3  | name                      | 3: 'name' is not 'key = value' or a [section]: fix or remove it
        3  | name =                    | 3: 'name' has no value: give one or remove the line for the default
        3  | = x                       | 3: no key before '=': write 'key = value'
        5  | auto-return = maybe       | 5: auto-return 'maybe' is not yes or no
        6  | startup-wait = 5          | 6: startup-wait '5' is not a duration: write a number and a unit, e.g. 10ms, \
        30s, 5m, 1h
        6  | startup-wait = 2h         | 6: startup-wait 2h is out of range: give 0ms to 1h
        11 | port = 70000              | 11: port '70000' is not a whole number from 1 to 65535
        11 | port = seven              | 11: port 'seven' is not a whole number from 1 to 65535
        12 | multicast-group = 10.0.0.1 | 12: multicast-group 10.0.0.1 is not a multicast address (224.0.0.0/4): use \
        an administratively scoped group in 239.0.0.0/8
        12 | multicast-group = 224.0.0.18 | 12: multicast-group 224.0.0.18 is in 224.0.0.0/24, reserved for routing \
        protocols: use an administratively scoped group in 239.0.0.0/8
        12 | multicast-group = mcast.example | 12: multicast-group 'mcast.example' is not an IPv4 or IPv6 address: \
        give one in 239.0.0.0/8 or ff02::/16, or 'none' for unicast to every server's address
        13 | interval = 0ms            | 13: interval 0ms is out of range: give 1ms to 10s
        14 | timeout = 20ms            | 14: timeout (20 ms) must be longer than interval (20 ms), at least 3 \
        intervals in practice: raise timeout or lower interval
        14 | timeout = 10ms            | 14: timeout (10 ms) must be longer than interval (20 ms), at least 3 \
        intervals in practice: raise timeout or lower interval
        17 | address = 192.0.2.1       | 19: server s2 has 2 heartbeat address(es) but s1 has 1: give every server one \
        address on each heartbeat network, in the same order
        19 | address = 192.0.2.1, 198.51.100.2 | 19: address 192.0.2.1 is also given for server s1: every server needs \
        its own addresses
        19 | address = 192.0.2.300, 198.51.100.2 | 19: '192.0.2.300' is not a unicast IPv4 or IPv6 address: give the \
        server's address on the heartbeat network, e.g. 192.0.2.1 or 2001:db8::1
        19 | address = 239.0.0.1, 198.51.100.2 | 19: '239.0.0.1' is not a unicast IPv4 or IPv6 address: give the \
        server's address on the heartbeat network, e.g. 192.0.2.1 or 2001:db8::1
        18 | [server s1]               | 18: server s1 is defined twice (also at line 16): rename or remove one
        18 | [server]                  | 18: write [server NAME] with one name (letters, digits, '.', '_', '-')
        18 | [server s 2]              | 18: write [server NAME] with one name (letters, digits, '.', '_', '-')
        18 | [server s/2]              | 18: server name 's/2' is not 1 to 32 letters, digits, '.', '_' or '-' \
        (starting with a letter or digit): rename it
        18 | [node s2]                 | 18: unknown section [node s2]: sections are [cluster], [heartbeat], [server \
        NAME], [group NAME], [resource NAME], [monitor NAME], [disk-heartbeat] and [tiebreak]
        18 | [server s2                | 18: section header '[server s2' has no closing ']': its entries are skipped
        22 | policy = s1, s3           | 22: unknown server 's3' in the policy of group A: known servers are s1, s2
        22 | policy = s1, s1           | 22: server s1 appears twice in the policy of group A: list each server once
        22 | policy = s1,,s2           | 22: empty server name in policy: separate server names with single commas
        23 | start = missing.sh        | 23: script DIR/missing.sh does not exist: create it or correct the path
        23 | start = .                 | 23: script DIR is not a regular file: point it at the script itself
        25 | script-timeout = 60       | 25: script-timeout '60' is not a duration: write a number and a unit, e.g. \
        10ms, 30s, 5m, 1h
        26 | [group A]                 | 26: group A is defined twice (also at line 21): rename or remove one
        10 | [cluster]                 | 10: a second [cluster] section (the first is at line 2): merge them into one
        10 | [heartbeat x]             | 10: [heartbeat] takes no name: write [heartbeat]
        4  | key-file = nokey          | 4: key file DIR/nokey does not exist: create it with 'armd keygen DIR/nokey' \
        and copy it to every server
        """)
    void eachMistakeIsReportedAtItsLine(final int line, final String replacement, final String expected)
        throws IOException {
        // a mistake may also cause a follow-up problem (a key left unset): the mistake itself must be there
        final List<String> p = problemsWithLine(line, replacement);
        assertTrue(p.contains(expected.replace("DIR", dir.toString())), String.join("\n", p));
    }

    @Test
    void aSocketPathLongerThanSunPathIsReportedAtItsLine() throws IOException {
        final String path = "/run/" + "0123456789".repeat(10) + ".sock";
        final List<String> p = problemsWithLine(8, "socket = " + path);
        assertTrue(p.contains("8: socket path " + path + " is longer than 107 bytes, the limit of a UNIX socket: "
            + "choose a shorter one"), String.join("\n", p));
    }

    @Test
    void aKeyBeforeAnySectionAndASecondValueAreReported() throws IOException {
        assertEquals(List.of(
            "1: 'name' comes before any section: put it under [cluster], [heartbeat], [server NAME], [group NAME], "
                + "[resource NAME] or [monitor NAME]",
            "4: 'name' is set twice in this section (also at line 3): keep one"),
            problems("name = x\n[cluster]\nname = a\nname = b\nkey-file = armd.key\n[server s]\n"
                + "address = 192.0.2.1\n"));
    }

    @Test
    void missingSectionsAndRequiredKeysAreReported() throws IOException {
        assertEquals(List.of(
            "0: no [server NAME] section: add one per server (1 to 16)",
            "0: no [cluster] section: add one with at least 'name' and 'key-file'"),
            problems("# nothing\n"));
        assertEquals(List.of(
            "1: [cluster] has no name: add 'name = NAME' (the same on every server)",
            "1: [cluster] has no key-file: add 'key-file = PATH' and create the file with 'armd keygen PATH'",
            "2: server s has no address: add 'address = ADDRESS[, ADDRESS...]', its IPv4 or IPv6 address on each "
                + "heartbeat network",
            "3: group g has no policy: add 'policy = SERVER[, SERVER...]', the servers that may run it, primary first",
            "3: group g has no start script: add 'start = PATH' (relative to this file's directory)",
            "3: group g has no stop script: add 'stop = PATH' (relative to this file's directory)"),
            problems("[cluster]\n[server s]\n[group g]\n"));
    }

    @Test
    void everyProblemIsCollectedInLineOrder() throws IOException {
        final List<String> p = problems(VALID.replace("port = 7000", "port = 0").replace("policy = s2", "policy = x")
            .replace("interval = 20ms   # a comment after a value", "interval = fast"));
        assertEquals(List.of(11, 13, 27), p.stream().map(s -> Integer.parseInt(s.substring(0, s.indexOf(':'))))
            .toList(), String.join("\n", p));
    }

    @Test
    void seventeenServersAreTooMany() throws IOException {
        final StringBuilder sb = new StringBuilder("[cluster]\nname = t\nkey-file = armd.key\n");
        for (int i = 1; i <= 17; i++) {
            sb.append("[server s").append(i).append("]\naddress = 192.0.2.").append(i).append('\n');
        }
        sb.append("[group g]\npolicy = ").append(java.util.stream.IntStream.rangeClosed(1, 17)
            .mapToObj(i -> "s" + i).collect(Collectors.joining(","))).append("\nstart = start.sh\nstop = stop.sh\n");
        assertEquals(List.of(
            "36: server s17 is one too many: a cluster has at most 16 servers",
            "39: unknown server 's17' in the policy of group g: known servers are s1, s10, s11, s12, s13, s14, s15, "
                + "s16, s2, s3, s4, s5, s6, s7, s8, s9",
            "39: the policy of group g lists 17 servers: at most 16"),
            problems(sb.toString()));
    }

    @Test
    void unsafeScriptsAreReported() throws IOException {
        final Path loose = dir.resolve("loose.sh");
        script(loose);
        Files.setPosixFilePermissions(loose, PosixFilePermissions.fromString("rwxrwxr-x"));
        final Path noexec = dir.resolve("noexec.sh");
        script(noexec);
        Files.setPosixFilePermissions(noexec, PosixFilePermissions.fromString("rw-r--r--"));
        final Path openDir = Files.createDirectory(dir.resolve("open"));
        script(openDir.resolve("s.sh"));
        Files.setPosixFilePermissions(openDir, PosixFilePermissions.fromString("rwxrwxrwx"));
        final List<String> p = problems(VALID.replace("start = start.sh\nstop = /DIR/stop.sh",
            "start = loose.sh\nstop = open/s.sh").replace("stop = start.sh", "stop = noexec.sh"));
        final boolean root = FileSafety.runningAsRoot();
        assertEquals(List.of(
            "23: script " + dir.resolve("loose.sh") + " is writable by group or others (mode 0775): chmod go-w "
                + dir.resolve("loose.sh"),
            "24: directory " + openDir + " is writable by group or others (mode 0777), so anyone there can replace "
                + "the script: chmod go-w " + openDir,
            // root may execute any file with an execute bit, and this one has none
            "29: script " + dir.resolve("noexec.sh") + " is not executable: chmod 755 " + dir.resolve("noexec.sh")),
            p, "as root: " + root);
    }

    @Test
    void looseOrForeignKeyFilesAreReported() throws IOException {
        Files.setPosixFilePermissions(dir.resolve("armd.key"), PosixFilePermissions.fromString("rw-r-----"));
        assertEquals(List.of("4: key file " + dir.resolve("armd.key") + " is open to group or others (mode 0640): "
            + "chmod 600 " + dir.resolve("armd.key")), problems(VALID));
        Files.setPosixFilePermissions(dir.resolve("armd.key"), PosixFilePermissions.fromString("rw-------"));
        Files.writeString(dir.resolve("armd.key"), "abcd\n");
        assertEquals(List.of("4: key file " + dir.resolve("armd.key") + ": the key must be 64 hexadecimal digits "
            + "(32 bytes), not 4 characters: write a new one with 'armd keygen --force'"), problems(VALID));
    }

    @Test
    void asRootScriptsAndKeyMustBeOwnedByRoot() throws IOException {
        Need.that(FileSafety.runningAsRoot(), "this test needs root to give a file away");
        Files.setAttribute(dir.resolve("start.sh"), "unix:uid", 65534);
        Files.setAttribute(dir.resolve("armd.key"), "unix:uid", 65534);
        Files.writeString(file, VALID.replace("/DIR", dir.toString()));
        final List<String> p = new ConfigParser(true).parse(file).problems().stream().map(Problem::toString).toList();
        assertEquals(List.of(
            file + ":4: key file " + dir.resolve("armd.key") + " is owned by uid 65534, not root: chown root "
                + dir.resolve("armd.key"),
            file + ":23: script " + dir.resolve("start.sh") + " is owned by uid 65534, not root: chown root "
                + dir.resolve("start.sh"),
            file + ":28: script " + dir.resolve("start.sh") + " is owned by uid 65534, not root: chown root "
                + dir.resolve("start.sh"),
            file + ":29: script " + dir.resolve("start.sh") + " is owned by uid 65534, not root: chown root "
                + dir.resolve("start.sh")), p);
    }

    @Test
    void aMissingOrBinaryFileIsOneProblem() throws IOException {
        final ConfigParser.Result r = new ConfigParser(false).parse(dir.resolve("nope.conf"));
        assertEquals(List.of(dir.resolve("nope.conf") + ": no such file: give the path of the cluster's "
            + "configuration (see conf/armd.conf.example)"), r.problems().stream().map(Problem::toString).toList());
        Files.write(file, new byte[] {(byte) 0xff, (byte) 0xfe, 0});
        assertEquals(List.of(file + ":1: not UTF-8 text (byte 0xff): save the file as UTF-8"),
            new ConfigParser(false).parse(file).problems().stream().map(Problem::toString).toList());
    }

    @Test
    void theShippedExampleIsValid() throws IOException {
        final Path conf = Path.of("conf");
        final Path copy = dir.resolve("etc");
        Files.createDirectories(copy.resolve("groups/A"));
        Files.copy(conf.resolve("armd.conf.example"), copy.resolve("armd.conf"));
        for (final String s : List.of("start.sh", "stop.sh")) {
            Files.copy(conf.resolve("groups/A").resolve(s), copy.resolve("groups/A").resolve(s));
            // the checkout's umask decided the mode: install as an operator would
            Files.setPosixFilePermissions(copy.resolve("groups/A").resolve(s),
                PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        for (final Path d : List.of(copy, copy.resolve("groups"), copy.resolve("groups/A"))) {
            Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        writeKey(copy.resolve("armd.key"));
        final ConfigParser.Result r = new ConfigParser().parse(copy.resolve("armd.conf"));
        assertEquals(List.of(), r.problems());
        final ClusterConfig c = r.config();
        assertEquals(List.of("server1", "server2"), c.servers().stream().map(ClusterConfig.Server::name).toList());
        assertEquals(List.of("A", "B", "C"), c.groups().stream().map(ClusterConfig.Group::name).toList());
        assertEquals(List.of(0, 1), c.group("A").orElseThrow().policy());
        assertEquals(List.of(1, 0), c.group("B").orElseThrow().policy());
        assertEquals(List.of(0, 1), c.group("C").orElseThrow().policy());
        assertEquals("2001:db8::102/64", ((ClusterConfig.FloatingIp) c.group("C").orElseThrow().resources()
            .getFirst()).cidr());
        assertEquals(InetAddress.getByName("239.192.0.1"), c.heartbeat().multicastGroup());
        assertEquals(10, c.heartbeat().intervalMs());
        assertEquals(100, c.heartbeat().timeoutMs());
    }
}
