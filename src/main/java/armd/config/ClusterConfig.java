package armd.config;

import armd.base.AgentLog;
import armd.cluster.Topology;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A validated cluster configuration: immutable, shared by every agent thread. Servers and groups keep the
 * order of the file; a server's id is its position (0-based), which is also its id on the wire.
 *
 * @param file         the file it came from (for messages)
 * @param name         the cluster's name; heartbeats of another cluster are dropped
 * @param keyFile      the cluster key (mode 0600 or stricter, owned by root)
 * @param heartbeat    heartbeat settings
 * @param autoReturn   a server that was down comes back as a member by itself (docs/behaviour.md#server-states)
 * @param startupWaitMs how long a starting agent waits for the other servers before starting groups
 * @param stateDir     where persisted state lives (one directory per server name below it)
 * @param socketPath   the control socket
 * @param servers      1 to 16 servers
 * @param groups       failover groups
 * @param monitors     resource monitors ({@code [monitor NAME]} sections), in file order
 * @param actions      failure-action settings of the [cluster] section
 * @param diskHeartbeat the disk heartbeat path on the cluster partition, or null ({@code [disk-heartbeat]})
 * @param tiebreak     the ping tiebreak, or null ({@code [tiebreak]})
 */
public record ClusterConfig(Path file, String name, Path keyFile, Heartbeat heartbeat, boolean autoReturn,
                            int startupWaitMs, Path stateDir, Path socketPath, List<Server> servers,
                            List<Group> groups, List<MonitorConfig> monitors, Actions actions,
                            DiskHeartbeat diskHeartbeat, Tiebreak tiebreak) {

    /** A configuration without a disk heartbeat or a tiebreak. */
    public ClusterConfig(final Path file, final String name, final Path keyFile, final Heartbeat heartbeat,
                         final boolean autoReturn, final int startupWaitMs, final Path stateDir,
                         final Path socketPath, final List<Server> servers, final List<Group> groups,
                         final List<MonitorConfig> monitors, final Actions actions) {
        this(file, name, keyFile, heartbeat, autoReturn, startupWaitMs, stateDir, socketPath, servers, groups,
            monitors, actions, null, null);
    }

    /** A configuration without monitors, with default actions. */
    public ClusterConfig(final Path file, final String name, final Path keyFile, final Heartbeat heartbeat,
                         final boolean autoReturn, final int startupWaitMs, final Path stateDir,
                         final Path socketPath, final List<Server> servers, final List<Group> groups) {
        this(file, name, keyFile, heartbeat, autoReturn, startupWaitMs, stateDir, socketPath, servers, groups,
            List.of(), Actions.DEFAULTS);
    }

    /** This configuration with {@code newMonitors} as its monitors. */
    public ClusterConfig withMonitors(final List<MonitorConfig> newMonitors) {
        return new ClusterConfig(file, name, keyFile, heartbeat, autoReturn, startupWaitMs, stateDir, socketPath,
            servers, groups, List.copyOf(newMonitors), actions, diskHeartbeat, tiebreak);
    }

    /** This configuration with {@code disk} as its disk heartbeat and {@code ping} as its tiebreak (or nulls). */
    public ClusterConfig withTiebreak(final DiskHeartbeat disk, final Tiebreak ping) {
        return new ClusterConfig(file, name, keyFile, heartbeat, autoReturn, startupWaitMs, stateDir, socketPath,
            servers, groups, monitors, actions, disk, ping);
    }

    /**
     * This configuration with {@code newActions}, {@code newGroups} and {@code newMonitors}: what a reload applies
     * (see {@link ConfigChanges}); everything else stays.
     */
    public ClusterConfig withLive(final Actions newActions, final List<Group> newGroups,
                                  final List<MonitorConfig> newMonitors) {
        return new ClusterConfig(file, name, keyFile, heartbeat, autoReturn, startupWaitMs, stateDir, socketPath,
            servers, List.copyOf(newGroups), List.copyOf(newMonitors), newActions, diskHeartbeat, tiebreak);
    }

    /** What the decision core needs of this configuration. */
    public Topology topology() {
        return new Topology(servers.stream().map(Server::name).toList(),
            groups.stream().map(g -> new Topology.Group(g.name(), g.policy(),
                g.resources().stream().anyMatch(r -> r instanceof FloatingIp))).toList(), startupWaitMs, autoReturn,
            actions.maxFailovers(), heartbeat.intervalMs(), heartbeat.timeoutMs(), heartbeat.suspectMs(),
            diskHeartbeat == null ? 0 : diskHeartbeat.timeoutMs(), tiebreak != null);
    }

    /**
     * Failure-action settings.
     *
     * @param maxFailovers failovers caused by monitors (and failed floating IPs) per group and server before
     *                     monitors stop failing it over (docs/behaviour.md#failover-counter)
     * @param downAction   what {@code armdown} does to the machine once the server left as a member
     * @param crashAction  what the guardian does once it released what a dead agent held
     * @param statusListen where the read-only status page and /metrics listen ([cluster] status-listen); null: off
     * @param logLevel     the agent's log level ([cluster] log-level), or null when the file does not set it (then
     *                     {@code armd run --log-level}, or info)
     */
    public record Actions(int maxFailovers, DownAction downAction, CrashAction crashAction,
                          InetSocketAddress statusListen, AgentLog.Level logLevel) {
        /** The status page's default address: loopback only. */
        public static final InetSocketAddress DEFAULT_STATUS_LISTEN = new InetSocketAddress("127.0.0.1", 7406);
        /**
         * Eight failovers; armdown leaves the machine running; a dead agent's resources are released; the status
         * page on 127.0.0.1:7406.
         */
        public static final Actions DEFAULTS = new Actions(8, DownAction.NONE);

        /** With the default crash action and status page address. */
        public Actions(final int maxFailovers, final DownAction downAction) {
            this(maxFailovers, downAction, CrashAction.RELEASE, DEFAULT_STATUS_LISTEN);
        }

        /** Without a log level of the file's own. */
        public Actions(final int maxFailovers, final DownAction downAction, final CrashAction crashAction,
                       final InetSocketAddress statusListen) {
            this(maxFailovers, downAction, crashAction, statusListen, null);
        }

        /** These settings with {@code level} as the log level. */
        public Actions withLogLevel(final AgentLog.Level level) {
            return new Actions(maxFailovers, downAction, crashAction, statusListen, level);
        }
    }

    /**
     * What the agent's guardian (armguard) does when the agent dies without stopping cleanly, after it killed the
     * agent's processes, unmounted its file systems, removed its floating addresses and told the peers.
     */
    public enum CrashAction {
        /** Nothing more: the server stays up, isolated once its agent restarts (the default). */
        RELEASE,
        /** Reboot the machine: for appliances that want a hard fence even when releasing fails. */
        REBOOT,
        /** Crash the kernel (sysrq c): a fence that cannot hang in shutdown scripts. */
        PANIC
    }

    /** What the machine does after {@code armdown} has shut its server down as a cluster member. */
    public enum DownAction {
        /** Nothing: the agent stays, its server stopped (safe for tests; the default). */
        NONE,
        /** {@code /sbin/poweroff}. */
        POWEROFF,
        /** {@code /sbin/reboot}. */
        REBOOT
    }

    /** The monitors of group {@code groupId}, in file order. */
    public List<MonitorConfig> monitorsOf(final int groupId) {
        return monitors.stream().filter(m -> m.group() == groupId).toList();
    }

    /** Maximum number of servers in a cluster (docs/behaviour.md#words). */
    public static final int MAX_SERVERS = 16;

    /** The server named {@code name}. */
    public Optional<Server> server(final String serverName) {
        return servers.stream().filter(s -> s.name().equals(serverName)).findFirst();
    }

    /** The group named {@code name}. */
    public Optional<Group> group(final String groupName) {
        return groups.stream().filter(g -> g.name().equals(groupName)).findFirst();
    }

    /**
     * Heartbeat settings.
     *
     * @param port            UDP port, the same on every server
     * @param multicastGroup  the IPv4 multicast group (239.0.0.0/8) of the IPv4 paths, or null
     * @param multicastGroup6 the IPv6 multicast group (ff02::/16, ff05::/16...) of the IPv6 paths, or null
     * @param intervalMs      time between two heartbeats of one server
     * @param timeoutMs       silence on every path after which a peer is declared down
     */
    public record Heartbeat(int port, InetAddress multicastGroup, InetAddress multicastGroup6, int intervalMs,
                            int timeoutMs) {
        /** IPv4 heartbeats: multicast to {@code multicastGroup}, or unicast when it is null. */
        public Heartbeat(final int port, final InetAddress multicastGroup, final int intervalMs, final int timeoutMs) {
            this(port, multicastGroup, null, intervalMs, timeoutMs);
        }

        /**
         * The multicast group of a path whose local address is {@code local} (the group of its family), or null:
         * the path is unicast to every peer address. The configuration has a group for every family its paths use,
         * or none at all.
         */
        public InetAddress groupFor(final InetAddress local) {
            return local instanceof Inet6Address ? multicastGroup6 : multicastGroup;
        }

        /**
         * Silence after which a peer is suspect: two intervals (one heartbeat lost, or late by an interval), at
         * most the timeout. A suspect peer's groups with floating addresses are taken over as soon as their
         * addresses stop answering ARP (or neighbour discovery); a false suspicion costs one probe.
         */
        public int suspectMs() {
            return Math.min(2 * intervalMs, timeoutMs);
        }
    }

    /**
     * The disk heartbeat path ({@code [disk-heartbeat]}): every server writes its state to its own sector of the
     * shared cluster partition and reads the others', a second path that a network partition does not cut.
     *
     * @param device     the shared block device (absolute path, the same on every server)
     * @param sector     the first sector of the region: server i writes logical sector {@code sector + i}
     * @param intervalMs time between two beats of one server
     * @param timeoutMs  a peer silent on the disk this long stopped writing; an I/O longer than this means the
     *                   disk path itself does not work
     */
    public record DiskHeartbeat(Path device, long sector, int intervalMs, int timeoutMs) {
    }

    /**
     * The ping tiebreak ({@code [tiebreak]}): whether this server still reaches the outside (the default gateway,
     * say) when it no longer hears its peers.
     *
     * @param targets   literal addresses to ping, in file order
     * @param rule      how many of them must answer
     * @param timeoutMs how long one echo may take
     * @param tries     echoes per target before it counts as not reached
     */
    public record Tiebreak(List<InetAddress> targets, Rule rule, int timeoutMs, int tries) {
        /** Copies {@code targets} so the record stays immutable. */
        public Tiebreak {
            targets = List.copyOf(targets);
        }

        /** How many targets must answer for this server to count as reaching the outside. */
        public int needed() {
            return rule.needed(targets.size());
        }

        /** How many of the targets must answer. */
        public enum Rule {
            /** One is enough. */
            ANY,
            /** Every one. */
            ALL,
            /** More than half. */
            MAJORITY;

            /** The number of answers needed out of {@code targets}. */
            public int needed(final int targets) {
                return switch (this) {
                    case ANY -> Math.min(1, targets);
                    case ALL -> targets;
                    case MAJORITY -> targets / 2 + 1;
                };
            }
        }
    }

    /**
     * One server.
     *
     * @param id        position in the file, 0-based
     * @param name      its name (what {@code armd run --server} takes)
     * @param addresses its address on each heartbeat network (one path per address; IPv4 or IPv6, the same family
     *                  at the same position on every server)
     * @param zones     per address, the interface a link-local IPv6 address is on ({@code fe80::11%eth1}), else "":
     *                  this server's interface of that path, through which it also reaches the peers' addresses
     */
    public record Server(int id, String name, List<InetAddress> addresses, List<String> zones) {
        /** A server whose addresses have no zone. */
        public Server(final int id, final String name, final List<InetAddress> addresses) {
            this(id, name, addresses, java.util.Collections.nCopies(addresses.size(), ""));
        }

        /** Copies the lists so the record stays immutable. */
        public Server {
            addresses = List.copyOf(addresses);
            zones = List.copyOf(zones);
        }

        /** The interface of path {@code path}'s link-local address, or null when it is not link-local. */
        public String zone(final int path) {
            return path < zones.size() && !zones.get(path).isEmpty() ? zones.get(path) : null;
        }
    }

    /**
     * One failover group.
     *
     * @param id              position in the file, 0-based
     * @param name            its name (ARMS_GROUPNAME)
     * @param policy          the failover policy: server ids in priority order, position 0 is priority 1 (HOME)
     * @param startScript     the start script
     * @param stopScript      the stop script
     * @param scriptTimeoutMs a script still running after this is killed (its whole process group)
     * @param resources       the group's resources in activation order (the order of the file)
     */
    public record Group(int id, String name, List<Integer> policy, Path startScript, Path stopScript,
                        int scriptTimeoutMs, List<Resource> resources) {

        /** A group without resources. */
        public Group(final int id, final String name, final List<Integer> policy, final Path startScript,
                     final Path stopScript, final int scriptTimeoutMs) {
            this(id, name, policy, startScript, stopScript, scriptTimeoutMs, List.of());
        }

        /** Copies {@code resources} so the record stays immutable. */
        public Group {
            resources = List.copyOf(resources);
        }

        /** This group with other scripts and script timeout. */
        public Group withScripts(final Path start, final Path stop, final int timeoutMs) {
            return new Group(id, name, policy, start, stop, timeoutMs, resources);
        }

        /** The priority (1 = primary) of server {@code serverId} in this group's policy, or 0 if absent. */
        public int priorityOf(final int serverId) {
            final int i = policy.indexOf(serverId);
            return i < 0 ? 0 : i + 1;
        }

        /** The mount points of the group's disk and NFS resources in activation order (what armlsmnt prints). */
        public List<Path> mountPoints() {
            return resources.stream().map(r -> switch (r) {
                case Disk d -> d.mountPoint();
                case Nfs n -> n.mountPoint();
                case FloatingIp f -> null;
            }).filter(p -> p != null).toList();
        }
    }

    /** A group resource ({@code [resource NAME]}): activated in file order at group start, released in reverse. */
    public sealed interface Resource permits FloatingIp, Disk, Nfs {
        /** The resource's name, unique in the file (for logs and failure reports). */
        String name();

        /** Whether it counts for ARMS_DISK (a disk partition or an NFS mount). */
        default boolean countsInArmsDisk() {
            return !(this instanceof FloatingIp);
        }
    }

    /**
     * A floating IPv4 or IPv6 address ({@code type = ip}).
     *
     * @param name                    resource name
     * @param address                 the address
     * @param prefixLen               its prefix length, 1 to 32 (IPv4) or 1 to 128 (IPv6)
     * @param interfaceName           the interface it is added to
     * @param conflictRetries         probes after a first conflict before activation fails
     * @param conflictRetryIntervalMs time between two probes after a conflict
     * @param anySubnet               skip the check that the interface has an address in the same subnet
     * @param arp                     the probe and announcement schedule: ARP for IPv4, neighbour discovery for IPv6
     */
    public record FloatingIp(String name, InetAddress address, int prefixLen, String interfaceName,
                             int conflictRetries, int conflictRetryIntervalMs, boolean anySubnet, Arp arp)
        implements Resource {

        /** Whether the address is IPv6 (neighbour discovery instead of ARP). */
        public boolean ipv6() {
            return address instanceof Inet6Address;
        }

        /** An IPv4 address as an int, first octet most significant (what ArpProbe takes). */
        public int addressBits() {
            final byte[] b = address.getAddress();
            if (b.length != 4) {
                throw new IllegalStateException(cidr() + " is not IPv4");
            }
            return (b[0] & 0xff) << 24 | (b[1] & 0xff) << 16 | (b[2] & 0xff) << 8 | b[3] & 0xff;
        }

        /** The address in its usual text form: {@code 192.0.2.100}, {@code 2001:db8::100}. */
        public String text() {
            return IpLiteral.text(address);
        }

        /** {@code 192.0.2.100/24}, {@code 2001:db8::100/64}. */
        public String cidr() {
            return text() + "/" + prefixLen;
        }
    }

    /**
     * RFC 5227 probe and announcement schedule of a floating IPv4 address; for an IPv6 address the same numbers are
     * the schedule of its neighbour solicitations (duplicate address probes) and unsolicited neighbour advertisements
     * (keys {@code ndp-*}), for the same reasons.
     *
     * <p>Timing. RFC 5227 waits up to 1 s before probing, sends 3 probes 1-2 s apart and waits 2 s: 7-9 s, made
     * for a host that configures itself and has all the time it wants. A takeover has none: clients wait for
     * the address while it runs. The defaults ({@link #DEFAULT}) keep RFC 5227's three probes, so one lost
     * frame cannot hide a holder, but send them 2 ms apart and listen 6 ms after the last: about 10 ms, about
     * 700 times shorter than the RFC. That is right on a LAN: a Linux holder answers an ARP request from its
     * receive path in tens of microseconds, a switch forwards it in microseconds, and the probe stops at the
     * first answer. The same probe is the takeover's check that a silent server's addresses are gone
     * ({@code ClusterNode}'s fencing), so a slower schedule would add to every failover. A network with slow
     * hosts or lossy links sets {@code arp-probe-wait} higher. Announcements: 3, 100 ms apart (RFC 5227
     * sends 2, 2 s apart), the first at once, so switches and neighbours learn the new holder immediately and
     * a single lost frame does not matter.
     *
     * @param probes            ARP probes per try
     * @param probeSpacingMs    time between two probes
     * @param probeWaitMs       time to listen after the last probe
     * @param announcements     gratuitous ARP announcements after the add
     * @param announceSpacingMs time between two announcements
     */
    public record Arp(int probes, int probeSpacingMs, int probeWaitMs, int announcements, int announceSpacingMs) {
        /** The defaults of every floating IP and of {@code armd probe arp}. */
        public static final Arp DEFAULT = new Arp(3, 2, 6, 3, 100);
    }

    /**
     * A switchable disk partition ({@code type = disk}).
     *
     * @param name         resource name
     * @param device       the block device (absolute path)
     * @param mountPoint   where it is mounted (absolute path)
     * @param fsType       file system type for mount(2), e.g. ext4
     * @param mountOptions comma-separated mount options, possibly empty
     * @param fsck         run {@code fsck -a DEVICE} before mounting
     * @param requireScsi  a device without SG_IO (no TEST UNIT READY) fails activation
     */
    public record Disk(String name, Path device, Path mountPoint, String fsType, String mountOptions, boolean fsck,
                       boolean requireScsi) implements Resource {
    }

    /**
     * An NFS mount ({@code type = nfs}).
     *
     * @param name         resource name
     * @param server       the NFS server, IPv4 or IPv6 (pinged before mounting)
     * @param export       the exported path on the server (absolute)
     * @param mountPoint   where it is mounted (absolute path)
     * @param mountOptions comma-separated mount options, possibly empty
     */
    public record Nfs(String name, InetAddress server, String export, Path mountPoint, String mountOptions)
        implements Resource {

        /** {@code server:/export} ({@code [2001:db8::50]:/export} for IPv6), the source the mount command takes. */
        public String source() {
            final String host = IpLiteral.text(server);
            return (server instanceof Inet6Address ? "[" + host + "]" : host) + ":" + export;
        }
    }
}
