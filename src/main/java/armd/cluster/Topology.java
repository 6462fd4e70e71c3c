package armd.cluster;

import java.util.List;

/**
 * What the decision core needs to know of a cluster: its servers and groups by position (a position is the
 * id on the wire), each group's failover policy, and the timings that drive membership. Built from the
 * configuration by the layer above; the core never sees the configuration itself.
 *
 * @param servers             server names, in configuration order
 * @param groups              groups, in configuration order
 * @param startupWaitMs       how long a starting server waits for the others before it decides
 * @param autoReturn          a server that was down returns by itself (else it stays isolated)
 * @param maxMonitorFailovers failovers caused by monitors per group and server before they stop
 * @param intervalMs          heartbeat interval
 * @param timeoutMs           silence on every path after which a server is down
 * @param suspectMs           silence after which a server is suspect: its groups with floating addresses are
 *                            taken over as soon as the addresses stop answering
 */
public record Topology(List<String> servers, List<Group> groups, long startupWaitMs, boolean autoReturn,
                       int maxMonitorFailovers, long intervalMs, long timeoutMs, long suspectMs) {

    /**
     * One failover group.
     *
     * @param name   the group's name
     * @param policy server positions that may run it, primary (priority 1) first
     * @param fenced it has floating addresses: a takeover first checks that they no longer answer anywhere
     */
    public record Group(String name, List<Integer> policy, boolean fenced) {
        public Group {
            policy = List.copyOf(policy);
        }
    }

    public Topology {
        servers = List.copyOf(servers);
        groups = List.copyOf(groups);
        if (groups.size() > ClusterNode.MAX_GROUPS) {
            throw new IllegalArgumentException("at most " + ClusterNode.MAX_GROUPS + " groups");
        }
    }
}
