package armd.config;

import java.net.InetAddress;
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
 * @param autoReturn   a server that was down comes back as a member by itself (SPEC.md section 2)
 * @param startupWaitMs how long a starting agent waits for the other servers before starting groups
 * @param stateDir     where persisted state lives (one directory per server name below it)
 * @param socketPath   the control socket
 * @param servers      1 to 16 servers
 * @param groups       failover groups
 * @param monitors     resource monitors ({@code [monitor NAME]} sections), in file order
 */
public record ClusterConfig(Path file, String name, Path keyFile, Heartbeat heartbeat, boolean autoReturn,
                            int startupWaitMs, Path stateDir, Path socketPath, List<Server> servers,
                            List<Group> groups, List<MonitorConfig> monitors) {

    /** A configuration without monitors. */
    public ClusterConfig(final Path file, final String name, final Path keyFile, final Heartbeat heartbeat,
                         final boolean autoReturn, final int startupWaitMs, final Path stateDir,
                         final Path socketPath, final List<Server> servers, final List<Group> groups) {
        this(file, name, keyFile, heartbeat, autoReturn, startupWaitMs, stateDir, socketPath, servers, groups,
            List.of());
    }

    /** This configuration with {@code newMonitors} as its monitors. */
    public ClusterConfig withMonitors(final List<MonitorConfig> newMonitors) {
        return new ClusterConfig(file, name, keyFile, heartbeat, autoReturn, startupWaitMs, stateDir, socketPath,
            servers, groups, List.copyOf(newMonitors));
    }

    /** The monitors of group {@code groupId}, in file order. */
    public List<MonitorConfig> monitorsOf(final int groupId) {
        return monitors.stream().filter(m -> m.group() == groupId).toList();
    }

    /** Maximum number of servers in a cluster (SPEC.md section 1). */
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
     * @param port           UDP port, the same on every server
     * @param multicastGroup the IPv4 multicast group (239.0.0.0/8), or null for unicast to every peer address
     * @param intervalMs     time between two heartbeats of one server
     * @param timeoutMs      silence on every path after which a peer is declared down
     */
    public record Heartbeat(int port, InetAddress multicastGroup, int intervalMs, int timeoutMs) {
    }

    /**
     * One server.
     *
     * @param id        position in the file, 0-based
     * @param name      its name (what {@code armd run --server} takes)
     * @param addresses its address on each heartbeat network (one path per address)
     */
    public record Server(int id, String name, List<InetAddress> addresses) {
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
     */
    public record Group(int id, String name, List<Integer> policy, Path startScript, Path stopScript,
                        int scriptTimeoutMs) {

        /** The priority (1 = primary) of server {@code serverId} in this group's policy, or 0 if absent. */
        public int priorityOf(final int serverId) {
            final int i = policy.indexOf(serverId);
            return i < 0 ? 0 : i + 1;
        }
    }
}
