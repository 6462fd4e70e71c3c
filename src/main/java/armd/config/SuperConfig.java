package armd.config;

import java.net.InetAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A validated super cluster file (docs/behaviour.md#super-cluster): the clusters of a site, each with its servers'
 * addresses, which one is the master cluster, and the super cluster key. The same file on every server of every
 * cluster. Immutable.
 *
 * @param file             the file it came from (for messages; relative paths in the clusters' configurations it
 *                         hands out are relative to its directory)
 * @param name             the super cluster's name
 * @param keyFile          the super cluster key (mode 0600, owned by root), not any one cluster's key
 * @param master           the master cluster named in the file
 * @param generation       0, raised by each designation of a new master cluster: frames of another generation are
 *                         another super cluster's, and versions of generation G count from G x 1,000,000
 * @param port             the UDP port of the super cluster's frames, the same on every server
 * @param stateDir         where each server keeps its copies (one directory per server name below it)
 * @param startFromCopy    an agent whose cluster's configuration no management server hands out starts from its last
 *                         verified copy instead of waiting
 * @param autoApply        whether a running agent applies a newer version as soon as it fetches it (else on
 *                         request: SIGHUP, systemctl reload, armconf apply)
 * @param fetchTimeoutMs   how long a starting agent tries to reach a management server before it gives up
 * @param pollIntervalMs   how often a running agent asks for a newer version of its cluster's configuration
 * @param requestTimeoutMs how long one request may take (connect, send, answer)
 * @param clusters         the clusters, in file order
 */
public record SuperConfig(Path file, String name, Path keyFile, String master, int generation, int port,
                          Path stateDir, boolean startFromCopy, boolean autoApply, int fetchTimeoutMs,
                          int pollIntervalMs, int requestTimeoutMs, List<Cluster> clusters) {

    /** The highest generation (each designation of a new master cluster raises it by one). */
    public static final int MAX_GENERATION = 1_000_000;
    /** Versions of generation G count from G times this. */
    public static final long VERSIONS_PER_GENERATION = 1_000_000L;

    /** The id its frames carry: its name's, and from generation 1 on, its name's and generation's. */
    public String frameIdentity() {
        return generation == 0 ? name : name + "/" + generation;
    }

    /** At most this many clusters in a super cluster. */
    public static final int MAX_CLUSTERS = 32;

    /** Copies the list so the record stays immutable. */
    public SuperConfig {
        clusters = List.copyOf(clusters);
    }

    /**
     * One cluster of the super cluster.
     *
     * @param name    its name: the {@code [cluster] name} of its configuration
     * @param servers its servers in the order of its configuration (for the master cluster, the order in which its
     *                servers take the management role)
     */
    public record Cluster(String name, List<Member> servers) {
        /** Copies the list so the record stays immutable. */
        public Cluster {
            servers = List.copyOf(servers);
        }

        /** The servers' names, in order. */
        public List<String> serverNames() {
            return servers.stream().map(Member::name).toList();
        }
    }

    /**
     * One server of a cluster.
     *
     * @param name    its name, unique in the super cluster
     * @param cluster its cluster's name
     * @param address where it answers the super cluster's requests: one of its heartbeat addresses
     */
    public record Member(String name, String cluster, InetAddress address) {
    }

    /** The cluster named {@code clusterName}. */
    public Optional<Cluster> cluster(final String clusterName) {
        return clusters.stream().filter(c -> c.name().equals(clusterName)).findFirst();
    }

    /** The server named {@code serverName}, in whichever cluster. */
    public Optional<Member> server(final String serverName) {
        return clusters.stream().flatMap(c -> c.servers().stream()).filter(m -> m.name().equals(serverName))
            .findFirst();
    }

    /** Every server of every cluster, clusters in file order. */
    public List<Member> allServers() {
        return clusters.stream().flatMap(c -> c.servers().stream()).toList();
    }

    /** The directory relative paths of a distributed configuration are resolved against: this file's. */
    public Path baseDir() {
        return file.toAbsolutePath().getParent();
    }
}
