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

/**
 * IPv6 in the configuration: heartbeat addresses (an IPv4 and an IPv6 network on one server at once, link-local ones
 * with their interface), heartbeat groups and their scopes, floating IPv6 addresses with their prefixes and ndp-*
 * schedule; every mistake one FILE:LINE problem.
 */
class Ipv6ConfigTest {
    /** Two servers on an IPv4 and an IPv6 heartbeat network, a group with a floating IPv6 and IPv4 address. */
    private static final String VALID = """
        [cluster]
        name = test
        key-file = armd.key
        [heartbeat]
        multicast-group = none
        [server s1]
        address = 192.0.2.1, 2001:db8::1
        [server s2]
        address = 192.0.2.2, 2001:db8::2
        [group A]
        policy = s1, s2
        start = start.sh
        stop = start.sh
        [resource A-ip6]
        group = A
        type = ip
        address = 2001:db8::100/64
        interface = eth0
        ndp-probes = 2
        ndp-announce-interval = 50ms
        [resource A-ip4]
        group = A
        type = ip
        address = 192.0.2.100/24
        interface = eth0
        arp-probes = 3
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

    private List<String> problemsWithLine(final int line, final String replacement) throws IOException {
        final List<String> lines = new ArrayList<>(VALID.lines().toList());
        lines.set(line - 1, replacement);
        final ConfigParser.Result r = parse(String.join("\n", lines) + "\n");
        assertNull(r.config(), "accepted: " + replacement);
        return r.problems().stream().map(Problem::toString).toList();
    }

    @Test
    void aServerHasAnIpv4AndAnIpv6PathAndTheGroupAFloatingIpv6Address() throws IOException {
        final ConfigParser.Result r = parse(VALID);
        assertEquals(List.of(), r.problems());
        final ClusterConfig c = r.config();
        assertEquals(List.of(InetAddress.ofLiteral("192.0.2.1"), InetAddress.ofLiteral("2001:db8::1")),
            c.servers().get(0).addresses());
        assertNull(c.servers().get(0).zone(1));
        final ClusterConfig.FloatingIp ip6 = (ClusterConfig.FloatingIp) c.group("A").orElseThrow().resources().get(0);
        assertTrue(ip6.ipv6());
        assertEquals("2001:db8::100/64", ip6.cidr());
        assertEquals("eth0", ip6.interfaceName());
        assertEquals(2, ip6.arp().probes());
        assertEquals(50, ip6.arp().announceSpacingMs());
        assertEquals(ClusterConfig.Arp.DEFAULT.probeWaitMs(), ip6.arp().probeWaitMs());
        final ClusterConfig.FloatingIp ip4 = (ClusterConfig.FloatingIp) c.group("A").orElseThrow().resources().get(1);
        assertEquals("192.0.2.100/24", ip4.cidr());
        assertEquals(false, ip4.ipv6());
    }

    @Test
    void anIpv6OnlyClusterWithLinkLocalHeartbeatsAndAnIpv6Group() throws IOException {
        final ConfigParser.Result r = parse(VALID.replace("multicast-group = none", "multicast-group = ff02::a12d")
            .replace("192.0.2.1, 2001:db8::1", "fe80::11%hb0").replace("192.0.2.2, 2001:db8::2", "fe80::12%eth1"));
        assertEquals(List.of(), r.problems());
        final ClusterConfig c = r.config();
        assertEquals(InetAddress.ofLiteral("ff02::a12d"), c.heartbeat().multicastGroup6());
        assertNull(c.heartbeat().multicastGroup());
        assertEquals("hb0", c.servers().get(0).zone(0));
        assertEquals("eth1", c.servers().get(1).zone(0));
        assertEquals(InetAddress.ofLiteral("ff02::a12d"), c.heartbeat().groupFor(c.servers().get(0).addresses()
            .getFirst()));
    }

    @Test
    void anAddressIsWrittenInAnyFormAndComparedInOne() throws IOException {
        final ConfigParser.Result r = parse(VALID.replace("2001:db8::100/64", "2001:0DB8:0:0::0100/64"));
        assertEquals(List.of(), r.problems());
        assertEquals("2001:db8::100/64", ((ClusterConfig.FloatingIp) r.config().group("A").orElseThrow()
            .resources().get(0)).cidr());
        assertTrue(problemsWithLine(24, "address = 2001:db8:0::100/64").contains("FILE:24: address 2001:db8::100 is "
            .replace("FILE", file.toString()) + "also the floating IP of resource A-ip6: every floating IP needs its "
            + "own address"));
    }

    // a row ending in \ goes on in the next line (a text-block line continuation)
    @ParameterizedTest(name = "line {0}: {1}")
    @CsvSource(delimiter = '|', textBlock = """
        17 | address = 2001:db8::100/129 | 17: prefix '/129' of address 2001:db8::100/129 is not 1 to 128: give the \
        prefix length of the interface's network, e.g. /64
        17 | address = 2001:db8::100/0 | 17: prefix '/0' of address 2001:db8::100/0 is not 1 to 128: give the \
        prefix length of the interface's network, e.g. /64
        17 | address = 2001:db8::100/x | 17: prefix '/x' of address 2001:db8::100/x is not 1 to 128: give the \
        prefix length of the interface's network, e.g. /64
        17 | address = 2001:db8::100 | 17: address 2001:db8::100 has no prefix length: write it as ADDRESS/PREFIX, \
        e.g. 2001:db8::100/64, with the prefix of the interface's network
        17 | address = 2001:db8::/64 | 17: address 2001:db8::/64 is the subnet-router anycast address of its prefix \
        (RFC 4291): choose a host address
        17 | address = ff02::100/64 | 17: address ff02::100/64 is a multicast address, not a unicast host address: \
        write e.g. 2001:db8::100/64
        17 | address = ::1/128 | 17: address ::1/128 is the loopback address, not a unicast host address: write e.g. \
        2001:db8::100/64
        17 | address = 2001:db8::100%eth0/64 | 17: address 2001:db8::100%eth0/64: write it without %eth0: the \
        interface is given by 'interface'
        17 | address = 2001:db8::g/64 | 17: '2001:db8::g/64' is not a unicast IPv6 address with a prefix: write e.g. \
        2001:db8::100/64
        17 | address = ::ffff:192.0.2.100/120 | 17: '::ffff:192.0.2.100/120' is not a unicast IPv6 address with a \
        prefix: write e.g. 2001:db8::100/64 (write an IPv4-mapped address as the IPv4 address itself)
        19 | arp-probes = 2 | 19: arp-probes is for IPv4 addresses, and 2001:db8::100/64 is IPv6: write ndp-probes
        26 | ndp-probes = 2 | 26: ndp-probes is for IPv6 addresses, and 192.0.2.100/24 is IPv4: write arp-probes
        7 | address = 192.0.2.1, fe80::1 | 7: fe80::1 is link-local: write it with its interface, fe80::1%eth0 (the \
        server's interface on that network)
        7 | address = 192.0.2.1, 2001:db8::1%eth0 | 7: 2001:db8::1%eth0 is not link-local: write it without %eth0
        7 | address = 192.0.2.1, ff02::1 | 7: 'ff02::1' is a multicast address, not a unicast address: give the \
        server's address on the heartbeat network, e.g. 2001:db8::1
        7 | address = 192.0.2.1, :: | 7: '::' is the unspecified address, not a unicast address: give the server's \
        address on the heartbeat network, e.g. 2001:db8::1
        9 | address = 2001:db8::2, 192.0.2.2 | 9: address 2001:db8::2 of server s2 is IPv6 but server s1's \
        heartbeat address 1 (192.0.2.1) is IPv4: give every server one address on each heartbeat network, in the \
        same order
        9 | address = 192.0.2.2, fe80::2%eth0 | 9: address fe80::2%eth0 of server s2 is link-local but server s1's \
        heartbeat address 2 (2001:db8::1) is not: on one heartbeat network, use link-local addresses on every server \
        or on none
        9 | address = 192.0.2.2, 2001:db8:0::1 | 9: address 2001:db8:0::1 is also given for server s1: every server \
        needs its own addresses
        5 | multicast-group = ff01::a12d | 5: multicast-group ff01::a12d has interface-local scope: it never leaves \
        this host; use a link-local (ff02::) or site-local (ff05::) group
        5 | multicast-group = ff0e::a12d | 5: multicast-group ff0e::a12d has global scope: heartbeats stay on the \
        cluster's networks; use a link-local (ff02::) or site-local (ff05::) group
        5 | multicast-group = ff06::a12d | 5: multicast-group ff06::a12d has a reserved or unassigned scope (6): use \
        a link-local (ff02::) or site-local (ff05::) group
        5 | multicast-group = ff02::1 | 5: multicast-group ff02::1 is the all-nodes group: choose a group of the \
        cluster's own, e.g. ff02::a12d
        5 | multicast-group = ff02::1:ff00:12 | 5: multicast-group ff02::1:ff00:12 is a solicited-node group \
        (ff02::1:ff00:0/104), neighbour discovery's: choose a group of the cluster's own, e.g. ff02::a12d
        5 | multicast-group = 2001:db8::5 | 5: multicast-group 2001:db8::5 is not a multicast address (ff00::/8)
        5 | multicast-group = ff02::a12d%eth0 | 5: multicast-group 'ff02::a12d%eth0' is not an IPv6 address (write \
        it without %eth0: the group is joined on each path's own interface): give a group such as ff02::a12d, or \
        'none' for unicast to every server's address
        5 | multicast-group = ff02::a12d | 5: multicast-group has no IPv4 group, but heartbeat network 1 is IPv4 \
        (192.0.2.1 of server s1): add one, e.g. 239.192.0.1, or write none for unicast
        5 | multicast-group = 239.1.2.3 | 5: multicast-group has no IPv6 group, but heartbeat network 2 is IPv6 \
        (2001:db8::1 of server s1): add one, e.g. ff02::a12d, or write none for unicast
        5 | multicast-group = ff02::a12d, ff05::a12d | 5: multicast-group has two IPv6 groups: give at most one IPv6 \
        and one IPv4 group
        """)
    void eachMistakeIsOneProblemAtItsLine(final int line, final String replacement, final String expected)
        throws IOException {
        final List<String> p = problemsWithLine(line, replacement);
        assertTrue(p.contains(file + ":" + expected), String.join("\n", p));
    }

    @Test
    void bothGroupsTogetherServeAnIpv4AndAnIpv6Network() throws IOException {
        final ConfigParser.Result r = parse(VALID.replace("multicast-group = none",
            "multicast-group = 239.1.2.3, ff05::a12d"));
        assertEquals(List.of(), r.problems());
        assertEquals(InetAddress.ofLiteral("239.1.2.3"), r.config().heartbeat().multicastGroup());
        assertEquals(InetAddress.ofLiteral("ff05::a12d"), r.config().heartbeat().multicastGroup6());
    }

    @Test
    void monitorsTakeIpv6TargetsAndALinkLocalOneOnlyWithAnInterface() throws IOException {
        final String ping = "[monitor gw]\ntype = ping\ntarget = %s\n%s";
        ConfigParser.Result r = parse(VALID + ping.formatted("2001:db8::fe", "group = A\n"));
        assertEquals(List.of(), r.problems());
        r = parse(VALID + ping.formatted("fe80::1", "group = A\ninterface = eth0\n"));
        assertEquals(List.of(), r.problems());
        r = parse(VALID + ping.formatted("fe80::1", "group = A\n"));
        assertTrue(r.problems().stream().map(Problem::toString).toList().contains(file + ":29: target fe80::1 is "
            + "link-local: add 'interface = IFNAME', the interface it is reached through"),
            r.problems().toString());
    }
}
