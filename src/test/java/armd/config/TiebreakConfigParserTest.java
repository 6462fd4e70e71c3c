package armd.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The [disk-heartbeat] and [tiebreak] sections: values, defaults, and a FILE:LINE problem for each mistake. */
class TiebreakConfigParserTest {
    private static final String BASE = """
        [cluster]
        name = test
        key-file = armd.key
        [server s1]
        address = 192.0.2.1
        [server s2]
        address = 192.0.2.2
        [group A]
        policy = s1, s2
        start = start.sh
        stop = start.sh
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

    private ConfigParser.Result parse(final String extra) throws IOException {
        Files.writeString(file, BASE + extra);
        return new ConfigParser(false).parse(file);
    }

    private ClusterConfig valid(final String extra) throws IOException {
        final ConfigParser.Result r = parse(extra);
        assertEquals(List.of(), r.problems());
        return r.config();
    }

    /** The problems, as "LINE: message", of BASE plus {@code extra} (whose first line is line 12). */
    private List<String> problems(final String extra) throws IOException {
        final ConfigParser.Result r = parse(extra);
        assertNull(r.config());
        return r.problems().stream().map(p -> {
            assertEquals(file, p.file());
            return p.line() + ": " + p.message();
        }).toList();
    }

    @Test
    void withoutTheSectionsBothAreNull() throws IOException {
        final ClusterConfig c = valid("");
        assertNull(c.diskHeartbeat());
        assertNull(c.tiebreak());
    }

    @Test
    void aDiskHeartbeatTakesTheDefaults() throws IOException {
        final ClusterConfig c = valid("[disk-heartbeat]\ndevice = /dev/disk/by-id/wwn-0x5000c500a1b2c3d4-part1\n"
            + "sector = 64\n");
        assertEquals(new ClusterConfig.DiskHeartbeat(Path.of("/dev/disk/by-id/wwn-0x5000c500a1b2c3d4-part1"), 64,
            100, 1000), c.diskHeartbeat());
    }

    @Test
    void aDiskHeartbeatWithEveryKey() throws IOException {
        final ClusterConfig c = valid("[disk-heartbeat]\ndevice = /dev/sdb1\nsector = 0\ninterval = 50ms\n"
            + "timeout = 150ms\n");
        assertEquals(new ClusterConfig.DiskHeartbeat(Path.of("/dev/sdb1"), 0, 50, 150), c.diskHeartbeat());
        assertEquals(2000, valid("[disk-heartbeat]\ndevice = /dev/sdb1\nsector = 0\ninterval = 200ms\n")
            .diskHeartbeat().timeoutMs(), "ten intervals by default");
    }

    @Test
    void aTiebreakTakesTheDefaults() throws IOException {
        final ClusterConfig c = valid("[tiebreak]\ntargets = 192.0.2.254\n");
        assertEquals(new ClusterConfig.Tiebreak(List.of(InetAddress.ofLiteral("192.0.2.254")),
            ClusterConfig.Tiebreak.Rule.ANY, 200, 3), c.tiebreak());
    }

    @Test
    void aTiebreakWithEveryKey() throws IOException {
        final ClusterConfig c = valid("[tiebreak]\ntargets = 192.0.2.254, 2001:db8::1,198.51.100.7\n"
            + "rule = majority\ntimeout = 1s\ntries = 5\n");
        assertEquals(new ClusterConfig.Tiebreak(List.of(InetAddress.ofLiteral("192.0.2.254"),
            InetAddress.ofLiteral("2001:db8::1"), InetAddress.ofLiteral("198.51.100.7")),
            ClusterConfig.Tiebreak.Rule.MAJORITY, 1000, 5), c.tiebreak());
        assertEquals(2, c.tiebreak().needed());
    }

    @Test
    void theRulesCountTheAnswersNeeded() {
        final ClusterConfig.Tiebreak.Rule any = ClusterConfig.Tiebreak.Rule.ANY;
        final ClusterConfig.Tiebreak.Rule all = ClusterConfig.Tiebreak.Rule.ALL;
        final ClusterConfig.Tiebreak.Rule majority = ClusterConfig.Tiebreak.Rule.MAJORITY;
        assertEquals(List.of(1, 1, 1, 1), List.of(any.needed(1), any.needed(2), any.needed(3), any.needed(4)));
        assertEquals(List.of(1, 2, 3, 4), List.of(all.needed(1), all.needed(2), all.needed(3), all.needed(4)));
        assertEquals(List.of(1, 2, 2, 3), List.of(majority.needed(1), majority.needed(2), majority.needed(3),
            majority.needed(4)));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
        device = dev/sdb1                | 13: device 'dev/sdb1' is not an absolute path: write it from /, e.g. \
        /dev/disk/by-id/...
        sector = -1                      | 14: sector '-1' is not a sector number from 0 to 2^40
        sector = ten                     | 14: sector 'ten' is not a sector number from 0 to 2^40
        interval = 5ms                   | 15: interval 5ms is out of range: give 10ms to 10s
        timeout = 200ms                  | 16: timeout 200ms is shorter than 3 intervals (300 ms): one slow write \
        would make a live server look dead; raise timeout or lower interval
        timeout = soon                   | 16: timeout 'soon' is not a duration: write a number and a unit, e.g. \
        10ms, 30s, 5m, 1h
        """)
    void aWrongDiskHeartbeatLineIsNamed(final String line, final String expected) throws IOException {
        final String key = line.substring(0, line.indexOf(' '));
        final StringBuilder sb = new StringBuilder("[disk-heartbeat]\n");
        for (final String k : List.of("device", "sector", "interval", "timeout")) {
            sb.append(k.equals(key) ? line : switch (k) {
                case "device" -> "device = /dev/sdb1";
                case "sector" -> "sector = 8";
                case "interval" -> "interval = 100ms";
                default -> "timeout = 1s";
            }).append('\n');
        }
        assertEquals(List.of(expected), problems(sb.toString()));
    }

    @Test
    void aDiskHeartbeatNeedsADeviceAndASector() throws IOException {
        assertEquals(List.of("12: [disk-heartbeat] has no device: add 'device = /dev/disk/by-id/...', the shared "
                + "cluster partition (the same path on every server)",
            "12: [disk-heartbeat] has no sector: add 'sector = N', the first of the cluster partition's sectors "
                + "reserved for it (server i writes sector N + i)"),
            problems("[disk-heartbeat]\ninterval = 100ms\n"));
    }

    @Test
    void aDiskHeartbeatMayNotShareSectorsWithAPartitionMonitor() throws IOException {
        final String monitor = "[monitor part]\ngroup = A\ntype = partition\ndevice = /dev/sdb1\nsector = 9\n";
        assertEquals(List.of("19: sectors 8 to 9 of /dev/sdb1 overlap those of partition monitor part (line 12, "
                + "sectors 9 to 10): give each its own sectors"),
            problems(monitor + "[disk-heartbeat]\ndevice = /dev/sdb1\nsector = 8\n"));
        valid(monitor + "[disk-heartbeat]\ndevice = /dev/sdb1\nsector = 7\n");
        valid(monitor + "[disk-heartbeat]\ndevice = /dev/sdb1\nsector = 11\n");
        valid(monitor + "[disk-heartbeat]\ndevice = /dev/sdc1\nsector = 9\n");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
        targets = gateway.example        | 13: target 'gateway.example' is not an IPv4 or IPv6 address (no host \
        names): give e.g. the default gateway ('ip route show default')
        targets = 127.0.0.1              | 13: target 127.0.0.1 is not a unicast address of another host: give one \
        outside this server, e.g. the default gateway
        targets = ::1                    | 13: target ::1 is not a unicast address of another host: give one outside \
        this server, e.g. the default gateway
        targets = 239.1.1.1              | 13: target 239.1.1.1 is not a unicast address of another host: give one \
        outside this server, e.g. the default gateway
        targets = 0.0.0.0                | 13: target 0.0.0.0 is not a unicast address of another host: give one \
        outside this server, e.g. the default gateway
        targets = 255.255.255.255        | 13: target 255.255.255.255 is not a unicast address of another host: give \
        one outside this server, e.g. the default gateway
        targets = 192.0.2.9, 192.0.2.9   | 13: target 192.0.2.9 is listed twice: list each once
        rule = most                      | 14: rule 'most' is not any, all or majority
        timeout = 0ms                    | 15: timeout 0ms is out of range: give 1ms to 10s
        tries = 0                        | 16: tries '0' is not a whole number from 1 to 10
        tries = 11                       | 16: tries '11' is not a whole number from 1 to 10
        """)
    void aWrongTiebreakLineIsNamed(final String line, final String expected) throws IOException {
        final String key = line.substring(0, line.indexOf(' '));
        final StringBuilder sb = new StringBuilder("[tiebreak]\n");
        for (final String k : List.of("targets", "rule", "timeout", "tries")) {
            sb.append(k.equals(key) ? line : switch (k) {
                case "targets" -> "targets = 192.0.2.254";
                case "rule" -> "rule = all";
                case "timeout" -> "timeout = 200ms";
                default -> "tries = 3";
            }).append('\n');
        }
        assertEquals(List.of(expected), problems(sb.toString()));
    }

    @Test
    void aTiebreakNeedsTargetsAndAtMostEight() throws IOException {
        assertEquals(List.of("12: [tiebreak] has no targets: add 'targets = ADDRESS[, ADDRESS...]', addresses "
            + "outside the cluster every server should reach, e.g. the default gateway"), problems("[tiebreak]\n"));
        assertEquals(List.of("13: 9 targets: at most 8"), problems("[tiebreak]\ntargets = 192.0.2.1, 192.0.2.2, "
            + "192.0.2.3, 192.0.2.4, 192.0.2.5, 192.0.2.6, 192.0.2.7, 192.0.2.8, 192.0.2.9\n"));
    }

    @Test
    void theShippedExampleIsValidWithBothSectionsUncommented() throws IOException {
        final Path conf = Path.of("conf");
        final Path copy = dir.resolve("etc");
        Files.createDirectories(copy.resolve("groups/A"));
        final StringBuilder text = new StringBuilder();
        boolean inside = false;
        for (final String line : Files.readAllLines(conf.resolve("armd.conf.example"))) {
            inside = line.startsWith("#[disk-heartbeat]") || inside && !line.startsWith("# One section per server");
            text.append(inside && line.matches("#(\\[|[a-z-]+ = ).*") ? line.substring(1) : line).append('\n');
        }
        Files.writeString(copy.resolve("armd.conf"), text);
        for (final String s : List.of("start.sh", "stop.sh")) {
            ConfigParserTest.script(copy.resolve("groups/A").resolve(s));
        }
        ConfigParserTest.writeKey(copy.resolve("armd.key"));
        final ConfigParser.Result r = new ConfigParser(false).parse(copy.resolve("armd.conf"));
        assertEquals(List.of(), r.problems());
        assertEquals(new ClusterConfig.DiskHeartbeat(Path.of("/dev/disk/by-id/scsi-SHARED-part1"), 64, 100, 1000),
            r.config().diskHeartbeat());
        assertEquals(new ClusterConfig.Tiebreak(List.of(InetAddress.ofLiteral("192.0.2.254")),
            ClusterConfig.Tiebreak.Rule.ANY, 200, 3), r.config().tiebreak());
    }

    @Test
    void sectionsTakeNoNameComeOnceAndKnowTheirKeys() throws IOException {
        assertEquals(List.of("12: [tiebreak] takes no name: write [tiebreak]"),
            problems("[tiebreak gw]\ntargets = 192.0.2.254\n"));
        assertEquals(List.of("14: a second [tiebreak] section (the first is at line 12): merge them into one"),
            problems("[tiebreak]\ntargets = 192.0.2.254\n[tiebreak]\nrule = all\n"));
        assertEquals(List.of("15: unknown key 'address' in [disk-heartbeat]: known keys are device, sector, "
            + "interval, timeout"), problems("[disk-heartbeat]\ndevice = /dev/sdb1\nsector = 8\naddress = x\n"));
        assertEquals(List.of("12: unknown section [disk]: sections are [cluster], [heartbeat], [server NAME], "
            + "[group NAME], [resource NAME], [monitor NAME], [disk-heartbeat] and [tiebreak]"), problems("[disk]\n"));
    }
}
