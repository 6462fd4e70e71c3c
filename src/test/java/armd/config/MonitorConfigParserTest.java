package armd.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import armd.cluster.Destination;
import armd.cluster.FailureAction;

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

/** [monitor NAME] sections: every type, the defaults per type, and FILE:LINE problems. */
class MonitorConfigParserTest {
    /** Lines 1-13: a minimal valid cluster with groups A and B; monitors follow from line 14. */
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
        [group B]
        policy = s2, s1
        """;
    private static final String B_SCRIPTS = "start = start.sh\nstop = start.sh\n";

    @TempDir
    Path dir;

    private Path file;

    @BeforeEach
    void setUp() throws IOException {
        file = dir.resolve("armd.conf");
        ConfigParserTest.writeKey(dir.resolve("armd.key"));
        ConfigParserTest.script(dir.resolve("start.sh"));
        ConfigParserTest.script(dir.resolve("check.sh"));
    }

    private ConfigParser.Result parse(final String monitors) throws IOException {
        Files.writeString(file, BASE + B_SCRIPTS + monitors);
        return new ConfigParser(false).parse(file);
    }

    private List<MonitorConfig> monitors(final String monitors) throws IOException {
        final ConfigParser.Result r = parse(monitors);
        assertEquals(List.of(), r.problems().stream().map(Problem::toString).toList());
        return r.config().monitors();
    }

    private List<String> problems(final String monitors) throws IOException {
        final ConfigParser.Result r = parse(monitors);
        assertNull(r.config());
        return r.problems().stream().map(p -> p.line() + ": " + p.message()).toList();
    }

    @Test
    void aPingMonitorTakesTheDefaults() throws IOException {
        final List<MonitorConfig> m = monitors("""
            [monitor lan]
            group = A
            type = ping
            target = 192.0.2.254
            """);
        assertEquals(List.of(new MonitorConfig("lan", 16, 0, 1000, 500, 3, MonitorConfig.When.BOTH,
            FailureAction.FAILOVER, Destination.PRIORITY, 600_000,
            new MonitorConfig.Ping(InetAddress.ofLiteral("192.0.2.254"), null))), m);
    }

    @Test
    void everyTypeAndEveryKey() throws IOException {
        final List<MonitorConfig> m = monitors("""
            [monitor lan]
            group = B
            type = ping
            target = 2001:db8::1
            interface = eth1
            interval = 200ms
            timeout = 100ms
            failures = 5
            when = online
            action = stop
            destination = stable
            reset-after = 30s
            [monitor nfs]
            group = A
            type = nfs
            server = 198.51.100.7
            [monitor disk]
            group = A
            type = disk
            device = /dev/sdb
            [monitor part]
            group = A
            type = partition
            device = /dev/sdc1
            sector = 64
            [monitor vip]
            group = A
            type = ip
            address = 203.0.113.10
            interface = eth0
            when = both
            [monitor app]
            group = A
            type = script
            command = check.sh
            [monitor nic]
            group = A
            type = link
            interface = eth0
            [monitor daemon]
            group = A
            type = process
            pidfile = /run/app.pid
            """);
        assertEquals(8, m.size());
        assertEquals(new MonitorConfig("lan", 16, 1, 200, 100, 5, MonitorConfig.When.ONLINE, FailureAction.STOP,
            Destination.STABLE, 30_000, new MonitorConfig.Ping(InetAddress.ofLiteral("2001:db8::1"), "eth1")),
            m.get(0));
        assertEquals(new MonitorConfig.Nfs(InetAddress.ofLiteral("198.51.100.7")), m.get(1).target());
        assertEquals(MonitorConfig.When.BOTH, m.get(1).when());
        assertEquals(new MonitorConfig.Disk("/dev/sdb"), m.get(2).target());
        assertEquals(MonitorConfig.When.BOTH, m.get(2).when());
        assertEquals(new MonitorConfig.Partition("/dev/sdc1", 64), m.get(3).target());
        assertEquals(MonitorConfig.When.ONLINE, m.get(3).when());
        assertEquals(new MonitorConfig.Ip(InetAddress.ofLiteral("203.0.113.10"), "eth0"), m.get(4).target());
        assertEquals(MonitorConfig.When.BOTH, m.get(4).when());
        assertEquals(1, m.get(4).failures());
        assertEquals(new MonitorConfig.Script(dir.resolve("check.sh")), m.get(5).target());
        assertEquals(MonitorConfig.When.ACTIVATION, m.get(5).when());
        assertEquals(10_000, m.get(5).timeoutMs());
        assertEquals(new MonitorConfig.Link("eth0"), m.get(6).target());
        assertEquals(MonitorConfig.When.ONLINE, m.get(6).when());
        assertEquals(1, m.get(6).failures());
        assertEquals(new MonitorConfig.Process(Path.of("/run/app.pid")), m.get(7).target());
        assertEquals(MonitorConfig.When.ONLINE, m.get(7).when());
        ConfigParser.Result r = parse("");
        assertEquals(List.of(), r.config().monitors());
        r = parse("[monitor lan]\ngroup = B\ntype = ping\ntarget = 192.0.2.254\n");
        assertEquals(List.of(), r.config().monitorsOf(0));
        assertEquals(1, r.config().monitorsOf(1).size());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "group = C|17: unknown group 'C' for monitor m: known groups are A, B",
        "type = ping|16: monitor m (ping) has no target: add 'target = ADDRESS'",
        "type = smoke|18: unknown monitor type 'smoke': one of ping, nfs, disk, partition, ip, script, link, process",
        "target = gateway|19: target 'gateway' is not an IPv4 or IPv6 address (no host names): give the address to "
            + "ping, e.g. the default gateway 192.0.2.254",
        "interval = 1|20: interval '1' is not a duration: write a number and a unit, e.g. 10ms, 30s, 5m, 1h",
        "failures = 0|20: failures '0' is not a whole number from 1 to 1000",
        "when = always|20: when 'always' is not activation, online or both",
        "action = reboot|20: action 'reboot' is not failover or stop",
        "destination = random|20: destination 'random' is not priority or stable",
        "reset-after = 10ms|20: reset-after 10ms is out of range: give 1s to 24h",
        "device = /dev/sda|20: 'device' does not apply to a ping monitor: its keys are target, interface (and the "
            + "common ones)",
        "bogus = 1|20: unknown key 'bogus' in [monitor]: known keys are group, type, interval, timeout, failures, "
            + "when, action, destination, reset-after, target, interface, server, device, sector, address, command, "
            + "pidfile",
    })
    void aWrongLineIsNamed(final String replacement, final String expected) throws IOException {
        // line 16: [monitor m], 17: group, 18: type, 19: target, 20: the replacement (or it replaces one of these)
        final String key = replacement.substring(0, replacement.indexOf(' '));
        final String text = switch (key) {
            case "group" -> "[monitor m]\n" + replacement + "\ntype = ping\ntarget = 192.0.2.254\n";
            case "type" -> "[monitor m]\ngroup = A\n" + replacement + "\n";
            default -> "[monitor m]\ngroup = A\ntype = ping\n"
                + (key.equals("target") ? replacement : "target = 192.0.2.254\n" + replacement) + "\n";
        };
        final List<String> p = problems(text);
        assertEquals(List.of(expected), p.size() > 1 && key.equals("group") ? p.subList(0, 1) : p);
    }

    @Test
    void typeSpecificProblems() throws IOException {
        assertEquals(List.of(
            "16: monitor m has no group: add 'group = NAME', the group it watches for",
            "16: monitor m has no type: add 'type = TYPE', one of ping, nfs, disk, partition, ip, script, link, "
                + "process"),
            problems("[monitor m]\n"));
        assertEquals(List.of("19: a partition monitor needs 'sector = N': the first of the cluster partition's "
            + "sectors reserved for it (server N uses sector + N)"),
            problems("[monitor m]\ngroup = A\ntype = partition\ndevice = /dev/sdc1\n"));
        assertEquals(List.of("19: device 'sdc1' is not an absolute path: give the device node, e.g. /dev/sdb or "
            + "/dev/disk/by-id/..."),
            problems("[monitor m]\ngroup = A\ntype = disk\ndevice = sdc1\n"));
        assertEquals(List.of("19: an ip monitor needs 'interface = IFNAME': the interface that holds the address"),
            problems("[monitor m]\ngroup = A\ntype = ip\naddress = 203.0.113.10\n"));
        assertEquals(List.of("20: a link monitor watches events while the group is online: write 'when = online' or "
            + "remove the line"),
            problems("[monitor m]\ngroup = A\ntype = link\ninterface = eth0\nwhen = activation\n"));
        assertEquals(List.of("20: sector '-1' is not a sector number from 0 to 2^40"),
            problems("[monitor m]\ngroup = A\ntype = partition\ndevice = /dev/sdc1\nsector = -1\n"));
        assertEquals(List.of("19: 'eth0/1' is not an interface name (1 to 15 bytes, no '/', ':' or space, not . or "
            + "..): give it as 'ip link' shows it, e.g. eth0"),
            problems("[monitor m]\ngroup = A\ntype = link\ninterface = eth0/1\n"));
        assertEquals(List.of("20: monitor m is defined twice (also at line 16): rename or remove one"),
            problems("[monitor m]\ngroup = A\ntype = link\ninterface = eth0\n[monitor m]\ngroup = A\ntype = link\n"
                + "interface = eth1\n"));
        final List<String> p = problems("[monitor m]\ngroup = A\ntype = script\ncommand = missing.sh\n");
        assertEquals(1, p.size());
        assertEquals(true, p.getFirst().startsWith("19: "), p.getFirst());
    }
}
