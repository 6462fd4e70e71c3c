package armd.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** [resource NAME] sections: values, defaults, order, and every mistake reported at its FILE:LINE. */
class ResourceConfigTest {
    /** A valid file with resources; lines 20.. are the resource sections (numbers used below). */
    private static final String VALID = """
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
        start = start.sh
        stop = start.sh
        script-timeout = 5s
        # resources of A, in activation order; B has none
        [resource A-data]
        group = A
        type = disk
        device = /dev/sdb1
        mount-point = /srv/A/
        fs-type = ext4
        mount-options = noatime,nodev
        fsck = yes
        [resource A-ip]
        group = A
        type = ip
        address = 192.0.2.100/24
        interface = eth0
        conflict-retries = 2
        conflict-retry-interval = 200ms
        any-subnet = yes
        arp-probes = 2
        [resource A-nfs]
        group = A
        type = nfs
        server = 192.0.2.50
        export = /export/A
        mount-point = /srv/A-nfs
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

    private ConfigParser.Result parse(final String text) throws IOException {
        Files.writeString(file, text);
        return new ConfigParser(false).parse(file);
    }

    /** The problems, as FILE:LINE: message, of VALID with line {@code line} replaced. */
    private List<String> problemsWithLine(final int line, final String replacement) throws IOException {
        final List<String> lines = new ArrayList<>(VALID.lines().toList());
        lines.set(line - 1, replacement);
        final ConfigParser.Result r = parse(String.join("\n", lines) + "\n");
        assertNull(r.config());
        return r.problems().stream().map(Problem::toString).toList();
    }

    @Test
    void resourcesComeInFileOrderWithTheirValuesAndDefaults() throws IOException {
        final ConfigParser.Result r = parse(VALID);
        assertEquals(List.of(), r.problems());
        final ClusterConfig.Group a = r.config().group("A").orElseThrow();
        assertEquals(List.of("A-data", "A-ip", "A-nfs"), a.resources().stream().map(ClusterConfig.Resource::name)
            .toList());
        assertEquals(new ClusterConfig.Disk("A-data", Path.of("/dev/sdb1"), Path.of("/srv/A"), "ext4",
            "noatime,nodev", true, false), a.resources().get(0));
        final ClusterConfig.FloatingIp ip = (ClusterConfig.FloatingIp) a.resources().get(1);
        assertEquals(InetAddress.getByName("192.0.2.100"), ip.address());
        assertEquals(0xc0000264, ip.addressBits());
        assertEquals("192.0.2.100/24", ip.cidr());
        assertEquals(24, ip.prefixLen());
        assertEquals("eth0", ip.interfaceName());
        assertEquals(2, ip.conflictRetries());
        assertEquals(200, ip.conflictRetryIntervalMs());
        assertTrue(ip.anySubnet());
        assertEquals(new ClusterConfig.Arp(2, 2, 6, 3, 100), ip.arp());
        assertEquals(new ClusterConfig.Nfs("A-nfs", (java.net.Inet4Address) InetAddress.getByName("192.0.2.50"),
            "/export/A", Path.of("/srv/A-nfs"), ""), a.resources().get(2));
        assertEquals("192.0.2.50:/export/A", ((ClusterConfig.Nfs) a.resources().get(2)).source());
        assertEquals(List.of(Path.of("/srv/A"), Path.of("/srv/A-nfs")), a.mountPoints());
        assertEquals(List.of(), r.config().group("B").orElseThrow().resources());
        assertEquals(List.of(), r.config().group("B").orElseThrow().mountPoints());
    }

    @Test
    void aFloatingIpTakesTheSpecDefaults() throws IOException {
        final ConfigParser.Result r = parse(VALID.replace("conflict-retries = 2\n", "")
            .replace("conflict-retry-interval = 200ms\n", "").replace("any-subnet = yes\n", "")
            .replace("arp-probes = 2\n", ""));
        assertEquals(List.of(), r.problems());
        final ClusterConfig.FloatingIp ip = (ClusterConfig.FloatingIp) r.config().group("A").orElseThrow()
            .resources().get(1);
        assertEquals(5, ip.conflictRetries());
        assertEquals(30_000, ip.conflictRetryIntervalMs());
        assertEquals(false, ip.anySubnet());
        assertEquals(ClusterConfig.Arp.DEFAULT, ip.arp());
        assertEquals(new ClusterConfig.Arp(3, 2, 6, 3, 100), ip.arp());
    }

    // a row ending in \ goes on in the next line (a text-block line continuation)
    @ParameterizedTest(name = "line {0}: {1}")
    @CsvSource(delimiter = '|', textBlock = """
        19 | group = Z                  | 19: unknown group 'Z' for resource A-data: known groups are A, B
        19 | # no group                 | 18: resource A-data has no group: add 'group = NAME', the group it belongs to
        20 | type = tape                | 20: unknown resource type 'tape': use ip (floating IP), disk (switchable \
        disk partition) or nfs (NFS mount)
        20 | # no type                  | 18: resource A-data has no type: add 'type = ip', 'type = disk' or 'type = \
        nfs'
        21 | device = sdb1              | 21: device 'sdb1' is not an absolute path: write it from /, e.g. \
        /dev/disk/by-uuid/UUID
        21 | # no device                | 18: resource A-data has no device: add 'device = /dev/sdb1'
        22 | mount-point = srv/A        | 22: mount-point 'srv/A' is not an absolute path: write it from /, e.g. \
        /mnt/A-data
        22 | mount-point = /            | 22: mount-point / cannot be a group's mount point: give a directory below it
        22 | mount-point = /srv/A-nfs   | 40: mount-point /srv/A-nfs is also the mount point of resource A-data: give \
        each disk or NFS resource its own directory
        23 | fs-type = Ext 4            | 23: 'Ext 4' is not a file system type: give the type as mount(8) takes it, \
        e.g. ext4 or xfs
        23 | # no fs-type               | 18: resource A-data has no fs-type: add 'fs-type = ext4'
        24 | mount-options = noatime, nodev | 24: mount-options 'noatime, nodev' contains a space: separate options \
        with commas only, e.g. noatime,nodev
        25 | fsck = maybe               | 25: fsck 'maybe' is not yes or no
        25 | interface = eth0           | 25: 'interface' is not a key of a resource of type disk: its keys are \
        device, mount-point, fs-type, mount-options, fsck, require-scsi
        26 | [resource A-nfs]           | 35: resource A-nfs is defined twice (also at line 26): rename or remove one
        29 | address = 192.0.2.100      | 29: address 192.0.2.100 has no prefix length: write it as ADDRESS/PREFIX, \
        e.g. 192.0.2.100/24, with the prefix of the interface's network
        29 | address = 192.0.2.100/33   | 29: prefix '/33' of address 192.0.2.100/33 is not 1 to 32: give the prefix \
        length of the interface's network, e.g. /24
        29 | address = 192.0.2.100/x    | 29: prefix '/x' of address 192.0.2.100/x is not 1 to 32: give the prefix \
        length of the interface's network, e.g. /24
        29 | address = 192.0.2.300/24   | 29: '192.0.2.300/24' is not a unicast IPv4 address with a prefix: write e.g. \
        192.0.2.100/24
        29 | address = 239.1.1.1/24     | 29: '239.1.1.1/24' is not a unicast IPv4 address with a prefix: write e.g. \
        192.0.2.100/24
        29 | address = 192.0.2.0/24     | 29: address 192.0.2.0/24 is the network address of its subnet: choose a host \
        address
        29 | address = 192.0.2.255/24   | 29: address 192.0.2.255/24 is the broadcast address of its subnet: choose a \
        host address
        29 | # no address               | 26: resource A-ip has no address: add 'address = 192.0.2.100/24'
        30 | interface = eth0/1         | 30: 'eth0/1' is not an interface name (1 to 15 bytes, no '/', ':' or \
        space, not . or ..): give it as 'ip link' shows it, e.g. eth0
        30 | interface = a-very-long-interface | 30: 'a-very-long-interface' is not an interface name (1 to 15 \
        bytes, no '/', ':' or space, not . or ..): give it as 'ip link' shows it, e.g. eth0
        30 | # no interface             | 26: resource A-ip has no interface: add 'interface = eth0'
        31 | conflict-retries = -1      | 31: conflict-retries '-1' is not a whole number from 0 to 100
        32 | conflict-retry-interval = 30 | 32: conflict-retry-interval '30' is not a duration: write a number and a \
        unit, e.g. 10ms, 30s, 5m, 1h
        33 | any-subnet = perhaps       | 33: any-subnet 'perhaps' is not yes or no
        34 | arp-probes = 0             | 34: arp-probes '0' is not a whole number from 1 to 10
        34 | device = /dev/sdc          | 34: 'device' is not a key of a resource of type ip: its keys are address, \
        interface, conflict-retries, conflict-retry-interval, any-subnet, arp-probes, arp-probe-interval, \
        arp-probe-wait, arp-announcements, arp-announce-interval, ndp-probes, ndp-probe-interval, ndp-probe-wait, \
        ndp-announcements, ndp-announce-interval
        34 | colour = blue              | 34: unknown key 'colour' in [resource]: known keys are group, type, address, \
        interface, conflict-retries, conflict-retry-interval, any-subnet, arp-probes, arp-probe-interval, \
        arp-probe-wait, arp-announcements, arp-announce-interval, ndp-probes, ndp-probe-interval, ndp-probe-wait, \
        ndp-announcements, ndp-announce-interval, device, mount-point, fs-type, mount-options, fsck, require-scsi, \
        server, export
        35 | [resource]                 | 35: write [resource NAME] with one name (letters, digits, '.', '_', '-')
        38 | server = nfs.example.com   | 38: 'nfs.example.com' is not a unicast IPv4 or IPv6 address: give the NFS \
        server's address (no host names: the agent must not depend on DNS at failover)
        39 | export = export/A          | 39: export 'export/A' is not an absolute path: give the path the server \
        exports, e.g. /srv/export
        40 | mount-point = ../A         | 40: mount-point '../A' is not an absolute path: write it from /, e.g. \
        /mnt/A-nfs
        """)
    void eachMistakeIsReportedAtItsFileAndLine(final int line, final String replacement, final String expected)
        throws IOException {
        final List<String> p = problemsWithLine(line, replacement);
        assertTrue(p.contains(file + ":" + expected), String.join("\n", p));
    }

    @Test
    void twoFloatingIpsCannotShareAnAddress() throws IOException {
        final ConfigParser.Result r = parse(VALID + """
            [resource B-ip]
            group = B
            type = ip
            address = 192.0.2.100/24
            interface = eth1
            """);
        assertEquals(List.of(file + ":44: address 192.0.2.100 is also the floating IP of resource A-ip: every "
            + "floating IP needs its own address"), r.problems().stream().map(Problem::toString).toList());
    }
}
