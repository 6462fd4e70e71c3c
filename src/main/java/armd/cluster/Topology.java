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
 * @param diskTimeoutMs       the disk heartbeat path's timeout, or 0 when there is none
 * @param tiebreak            a ping tiebreak is configured: a server that hears no peer on any network asks it
 *                            whether it still reaches the outside, and releases its groups when it does not
 */
public record Topology(List<String> servers, List<Group> groups, long startupWaitMs, boolean autoReturn,
                       int maxMonitorFailovers, long intervalMs, long timeoutMs, long suspectMs, long diskTimeoutMs,
                       boolean tiebreak) {

    /** A topology without a disk heartbeat path or a tiebreak. */
    public Topology(final List<String> servers, final List<Group> groups, final long startupWaitMs,
                    final boolean autoReturn, final int maxMonitorFailovers, final long intervalMs,
                    final long timeoutMs, final long suspectMs) {
        this(servers, groups, startupWaitMs, autoReturn, maxMonitorFailovers, intervalMs, timeoutMs, suspectMs, 0,
            false);
    }

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
        if (groups.size() > 64) {
            throw new IllegalArgumentException("at most 64 groups fit a disk beat's bitmap");
        }
        groups = List.copyOf(groups);
        if (groups.size() > ClusterNode.MAX_GROUPS) {
            throw new IllegalArgumentException("at most " + ClusterNode.MAX_GROUPS + " groups");
        }
    }
}
