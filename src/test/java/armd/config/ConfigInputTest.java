package armd.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Hostile or broken configuration input: every value, and the file itself, gives one clean
 * {@code FILE[:LINE]: message} problem, never an exception (the fuzzer's findings, kept as tests).
 */
class ConfigInputTest {
    /** Valid, with every key whose value is a path, a device or an interface name. */
    private static final String VALID = """
        [cluster]
        name = test
        key-file = armd.key
        state-dir = state
        socket = /run/armd-test.sock
        [server s1]
        address = 192.0.2.1
        [group A]
        policy = s1
        start = start.sh
        stop = start.sh
        [resource ip]
        group = A
        type = ip
        address = 192.0.2.100/24
        interface = eth0
        [resource disk]
        group = A
        type = disk
        device = /dev/sdb1
        mount-point = /srv/a
        fs-type = ext4
        [resource nfs]
        group = A
        type = nfs
        server = 192.0.2.50
        export = /srv/export
        mount-point = /srv/b
        [monitor script]
        group = A
        type = script
        command = start.sh
        [monitor pid]
        group = A
        type = process
        pidfile = /run/app.pid
        [monitor link]
        group = A
        type = link
        interface = eth0
        [monitor part]
        group = A
        type = partition
        device = /dev/sdb2
        sector = 8
        """;

    @TempDir
    Path dir;

    private Path file;

    @BeforeEach
    void setUp() throws IOException {
        file = dir.resolve("armd.conf");
        ConfigParserTest.writeKey(dir.resolve("armd.key"));
        ConfigParserTest.script(dir.resolve("start.sh"));
    }

    private List<String> problems(final byte[] content, final boolean ownerMustBeRoot) throws IOException {
        Files.write(file, content);
        final ConfigParser.Result r = new ConfigParser(ownerMustBeRoot).parse(file);
        assertNull(r.config(), "valid");
        return r.problems().stream().map(Problem::toString).toList();
    }

    private List<String> problems(final String text) throws IOException {
        return problems(text.getBytes(StandardCharsets.UTF_8), false);
    }

    /** VALID with line {@code line} (1-based) replaced. */
    private static String withLine(final int line, final String replacement) {
        final List<String> lines = new ArrayList<>(VALID.lines().toList());
        lines.set(line - 1, replacement);
        return String.join("\n", lines) + "\n";
    }

    /** Tests that need root fail under CI without it, and are skipped with a message elsewhere. */
    private static void requireRoot() {
        if (!FileSafety.runningAsRoot()) {
            if ("true".equals(System.getenv("CI"))) {
                fail("needs root to give a file away (CI=true)");
            }
            assumeTrue(false, "needs root to give a file away");
        }
    }

    @Test
    void theBaseFileIsValid() throws IOException {
        Files.writeString(file, VALID);
        assertEquals(List.of(), new ConfigParser(false).parse(file).problems());
    }

    @ParameterizedTest(name = "line {0}")
    @ValueSource(ints = {3, 4, 5, 10, 11, 16, 20, 21, 27, 28, 32, 36, 40, 44})
    void aNulByteInAnyPathOrInterfaceIsOneLine(final int line) throws IOException {
        final String original = VALID.lines().toList().get(line - 1);
        final String value = original.substring(original.indexOf('=') + 1).strip();
        final String key = original.substring(0, original.indexOf('=')).strip();
        final List<String> p = problems(withLine(line, key + " = " + value + "\0x"));
        assertEquals(List.of(file + ":" + line + ": control character U+0000 in this line: a configuration file is "
            + "text, remove it"), p);
    }

    @ParameterizedTest(name = "control character {index}")
    @ValueSource(strings = {"\u001b[31m", "\u007f", "\u009b", "\u0007"})
    void otherControlCharactersAreRefusedWithoutEchoingThem(final String c) throws IOException {
        final List<String> p = problems(withLine(2, "name = te" + c + "st"));
        assertEquals(1, p.size(), p.toString());
        assertTrue(p.getFirst().startsWith(file + ":2: control character U+"), p.getFirst());
        assertTrue(p.getFirst().chars().noneMatch(Character::isISOControl), p.getFirst());
    }

    @Test
    void aTabIsWhitespace() throws IOException {
        Files.writeString(file, withLine(2, "name\t=\ttest\t"));
        assertEquals(List.of(), new ConfigParser(false).parse(file).problems());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "interface = .|16|'.' is not an interface name",
        "interface = a:b|16|'a:b' is not an interface name",
        "interface = ééééééééé|16|'ééééééééé' is not an interface name",
        "interface = ..|40|'..' is not an interface name",
        "interface = eth0/x|40|'eth0/x' is not an interface name"})
    void interfaceNamesFollowTheKernelsRule(final String line, final int at, final String expected)
        throws IOException {
        final List<String> p = problems(withLine(at, line));
        assertEquals(1, p.size(), p.toString());
        assertTrue(p.getFirst().startsWith(file + ":" + at + ": " + expected + " (1 to 15 bytes, no '/', ':' or "
            + "space, not . or ..)"), p.getFirst());
    }

    @Test
    void aPathLongerThanPathMaxIsOneLine() throws IOException {
        final String longPath = "/x".repeat(2100);
        assertEquals(List.of(file + ":4: state-dir is a path of 4200 bytes: the longest path Linux takes is 4095 "
            + "bytes"), problems(withLine(4, "state-dir = " + longPath)));
    }

    @Test
    void hugeNumbersAndOverflowingDurationsAreOutOfRange() throws IOException {
        assertEquals(List.of(file + ":45: sector '99999999999999999999999' is not a sector number from 0 to 2^40"),
            problems(withLine(45, "sector = 99999999999999999999999")));
        final String text = VALID + """
            [heartbeat]
            port = 4294967297
            interval = 999999999h
            timeout = 9999999999999999999999ms
            """;
        assertEquals(List.of(
            file + ":47: port '4294967297' is not a whole number from 1 to 65535",
            file + ":48: interval 999999999h is out of range: give 1ms to 10s",
            file + ":49: timeout '9999999999999999999999ms' is not a duration: write a number and a unit, e.g. "
                + "10ms, 30s, 5m, 1h"), problems(text));
    }

    @Test
    void aVeryLongLineIsOneShortLine() throws IOException {
        final List<String> p = problems(withLine(2, "name = " + "n".repeat(1_000_000)));
        assertEquals(List.of(file + ":2: line of 1000007 characters: a line holds at most 8192"), p);
    }

    @Test
    void bytesThatAreNotUtf8AreReportedAtTheirLine() throws IOException {
        final byte[] text = withLine(3, "key-file = armd.key\u00ff").getBytes(StandardCharsets.ISO_8859_1);
        assertEquals(List.of(file + ":3: not UTF-8 text (byte 0xff): save the file as UTF-8"),
            problems(text, false));
    }

    @Test
    void aFileLargerThanAnyConfigurationIsRefusedUnread() throws IOException {
        final byte[] big = new byte[2 * 1024 * 1024];
        java.util.Arrays.fill(big, (byte) '#');
        assertEquals(List.of(file + ": larger than 1048576 bytes: not a configuration file"),
            problems(big, false));
    }

    @Test
    void aDirectoryIsOneLine() throws IOException {
        final Path d = Files.createDirectory(dir.resolve("conf.d"));
        assertEquals(List.of(d + ": is a directory, not a file: give the configuration file"),
            new ConfigParser(false).parse(d).problems().stream().map(Problem::toString).toList());
    }

    @Test
    // a bound against a hang (opening a FIFO blocks until a writer comes), not a measurement
    @Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aFifoIsRefusedWithoutWaitingForAWriter() throws Exception {
        final Path fifo = dir.resolve("fifo.conf");
        final Process mk = new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start();
        assertEquals(0, mk.waitFor());
        assertEquals(List.of(fifo + ": is not a regular file (a FIFO, device or socket): give the configuration "
            + "file"), new ConfigParser(false).parse(fifo).problems().stream().map(Problem::toString).toList());
    }

    @Test
    void aSymbolicLinkLoopIsOneLine() throws IOException {
        final Path a = dir.resolve("a.conf");
        final Path b = dir.resolve("b.conf");
        Files.createSymbolicLink(a, b);
        Files.createSymbolicLink(b, a);
        final List<String> p = new ConfigParser(false).parse(a).problems().stream().map(Problem::toString).toList();
        assertEquals(1, p.size(), p.toString());
        assertTrue(p.getFirst().startsWith(a + ": cannot read: Too many levels of symbolic links"), p.getFirst());
    }

    @Test
    void aMissingFileIsOneLine() {
        final Path missing = dir.resolve("missing.conf");
        assertEquals(List.of(missing + ": no such file: give the path of the cluster's configuration (see "
            + "conf/armd.conf.example)"),
            new ConfigParser(false).parse(missing).problems().stream().map(Problem::toString).toList());
    }

    @Test
    void aConfigurationWritableByOthersIsRefused() throws IOException {
        Files.writeString(file, VALID);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-rw-rw-"));
        assertEquals(List.of(file + ": writable by group or others (mode 0666), so anyone can choose the scripts "
            + "armd runs as root: chmod go-w " + file),
            new ConfigParser(false).parse(file).problems().stream().map(Problem::toString).toList());
    }

    @Test
    void aConfigurationInADirectoryWritableByOthersIsRefused() throws IOException {
        final Path open = Files.createDirectory(dir.resolve("open"));
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));
        final Path conf = open.resolve("armd.conf");
        Files.writeString(conf, VALID.replace("= armd.key", "= " + dir.resolve("armd.key"))
            .replace("= start.sh", "= " + dir.resolve("start.sh")));
        assertEquals(List.of(conf + ": directory " + open + " is writable by group or others (mode 0777), so anyone "
            + "there can replace the configuration: chmod go-w " + open),
            new ConfigParser(false).parse(conf).problems().stream().map(Problem::toString).toList());
    }

    @Test
    void asRootAConfigurationOwnedByAUserIsRefused() throws IOException {
        requireRoot();
        Files.writeString(file, VALID);
        Files.setAttribute(file, "unix:uid", 65534);
        assertEquals(List.of(file + ": owned by uid 65534, not root, so its owner can choose the scripts armd runs "
            + "as root: chown root " + file),
            problems(Files.readAllBytes(file), true));
    }

    @Test
    void aKeyFileInADirectoryWritableByOthersIsRefused() throws IOException {
        final Path open = Files.createDirectory(dir.resolve("keys"));
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));
        ConfigParserTest.writeKey(open.resolve("armd.key"));
        assertEquals(List.of(file + ":3: directory " + open + " is writable by group or others (mode 0777), so "
            + "anyone there can replace the key file: chmod go-w " + open),
            problems(withLine(3, "key-file = keys/armd.key")));
    }

    @Test
    void aKeyFileInAStickyDirectoryIsAccepted() throws IOException {
        final Path sticky = Files.createDirectory(dir.resolve("sticky"));
        Files.setAttribute(sticky, "unix:mode", 01777);
        ConfigParserTest.writeKey(sticky.resolve("armd.key"));
        Files.writeString(file, withLine(3, "key-file = sticky/armd.key"));
        assertEquals(List.of(), new ConfigParser(false).parse(file).problems());
    }

    @Test
    void asRootAKeyFileInAUsersDirectoryIsRefused() throws IOException {
        requireRoot();
        final Path users = Files.createDirectory(dir.resolve("users"));
        ConfigParserTest.writeKey(users.resolve("armd.key"));
        Files.setAttribute(users, "unix:uid", 65534);
        assertEquals(List.of(file + ":3: directory " + users + " is owned by uid 65534, not root, so its owner can "
            + "replace the key file: chown root " + users),
            problems(withLine(3, "key-file = users/armd.key").getBytes(StandardCharsets.UTF_8), true));
    }
}
