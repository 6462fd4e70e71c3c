package armd.cluster;

import armd.membership.PeerTable;

/**
 * One server's published state: what its heartbeat payload carries. Reused: the sender fills one from its
 * {@link ClusterNode}, the receiver decodes into one; neither allocates.
 */
public final class PeerSnapshot {
    int sender;
    long incarnation;
    ServerState state = ServerState.STARTING;
    int groups;
    int servers;
    final GroupRecord[] records = new GroupRecord[ClusterNode.MAX_GROUPS];
    final GroupExec[] exec = new GroupExec[ClusterNode.MAX_GROUPS];
    final int[] ackSeq = new int[16];
    final OpResult[] ackResult = new OpResult[16];
    /** Per server: the incarnation the sender last heard from it (0: never), its own for itself. */
    final long[] known = new long[16];
    int commands;
    final int[] cmdSeq = new int[ClusterNode.MAX_OUTSTANDING];
    final int[] cmdOp = new int[ClusterNode.MAX_OUTSTANDING];
    final int[] cmdGroup = new int[ClusterNode.MAX_OUTSTANDING];
    final int[] cmdServer = new int[ClusterNode.MAX_OUTSTANDING];
    final int[] cmdExecutor = new int[ClusterNode.MAX_OUTSTANDING];

    /** An empty snapshot. */
    public PeerSnapshot() {
        for (int g = 0; g < records.length; g++) {
            records[g] = new GroupRecord();
            exec[g] = GroupExec.OFFLINE;
        }
        java.util.Arrays.fill(ackResult, OpResult.OK);
        assert PeerTable.MAX_PATHS > 0;
    }

    /** The sending server's id. */
    public int sender() {
        return sender;
    }

    /** The sender's boot incarnation (from the authenticated frame header). */
    public long incarnation() {
        return incarnation;
    }

    /** Sets sender and incarnation from the frame header. */
    public void header(final int senderId, final long senderIncarnation) {
        this.sender = senderId;
        this.incarnation = senderIncarnation;
    }

    /** The sender's state. */
    public ServerState state() {
        return state;
    }
}
