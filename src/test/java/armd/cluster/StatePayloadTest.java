package armd.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import armd.sim.Sim;
import armd.sim.SimConfigs;
import armd.wire.HeartbeatFrame;

import java.nio.ByteBuffer;

import org.junit.jupiter.api.Test;

/** The heartbeat payload codec: round trip with an error history, bounds, and refusal of short input. */
class StatePayloadTest {

    @Test
    void theLargestPayloadFitsOneHeartbeatFrame() {
        assertTrue(StatePayload.MAX_SIZE <= HeartbeatFrame.MAX_PAYLOAD_LENGTH,
            StatePayload.MAX_SIZE + " > " + HeartbeatFrame.MAX_PAYLOAD_LENGTH);
    }

    @Test
    void errorHistoryRoundTrips() {
        final GroupRecord r = new GroupRecord();
        for (final int s : new int[] {3, 15, 0, 3, 7}) {
            r.noteError(s);
        }
        assertEquals(4, r.errorCount());
        assertEquals(0, r.errorRank(15));
        assertEquals(1, r.errorRank(0));
        assertEquals(2, r.errorRank(3), "a new error moves a server to the end");
        assertEquals(3, r.errorRank(7));
        assertEquals(-1, r.errorRank(1));

        final Sim sim = new Sim(SimConfigs.guide(3, false), 1);
        sim.bootAll();
        sim.runMs(3_000);
        final ClusterNode n = sim.node("server1");
        n.record(0).noteError(2);
        n.record(0).noteError(1);
        final PeerSnapshot out = new PeerSnapshot();
        n.snapshot(out);
        final ByteBuffer buf = ByteBuffer.allocate(StatePayload.MAX_SIZE);
        final int len = StatePayload.encode(out, buf);
        buf.flip();
        final PeerSnapshot in = new PeerSnapshot();
        assertTrue(StatePayload.decode(buf, len, in));
        assertEquals(2, in.records[0].errorCount());
        assertEquals(0, in.records[0].errorRank(2));
        assertEquals(1, in.records[0].errorRank(1));
        assertEquals(0, in.records[1].errorCount());
        assertEquals(n.record(1).owner(), in.records[1].owner());

        for (int cut = 0; cut < len; cut++) {
            buf.position(0);
            assertFalse(StatePayload.decode(buf, cut, new PeerSnapshot()), "truncated at " + cut);
        }
    }

    @Test
    void aHeartbeatNamingAServerThisClusterLacksIsDroppedAndLoggedOnce() {
        final java.util.List<String> log = new java.util.ArrayList<>();
        final ClusterNode node = new ClusterNode(SimConfigs.guide(3, false).topology(), 0, new NodeMemory(3), new NodeEffects() {
            @Override
            public void runScript(final ScriptRun run) {
            }

            @Override
            public void persist() {
            }

            @Override
            public void log(final String line) {
                log.add(line);
            }

            @Override
            public void operationDone(final int seq, final OpResult result) {
            }
        }, 0);
        final PeerSnapshot hb = new PeerSnapshot();
        hb.state = ServerState.NORMAL;
        hb.groups = 3;
        hb.servers = 3;
        hb.header(1, 1);
        // server id 5 fits the format (0..15) but not this three-server cluster: it indexed past its arrays
        hb.records[0].set(100, 1, 5, GroupMode.RUN, ArmsEvent.START, -1, false);
        node.onHeartbeat(hb, 0, 1_000_000);
        node.onHeartbeat(hb, 0, 2_000_000);
        node.tick(3_000_000);
        assertEquals(-1, node.record(0).owner(), "the foreign record was adopted");
        assertEquals(java.util.List.of("heartbeats of server server2 dropped: the record of group A names server ids "
            + "1, 5, -1, which this configuration does not have (do both run the same configuration file?)"),
            log.stream().filter(l -> l.contains("dropped")).toList());
        hb.records[0].set(100, 1, 1, GroupMode.RUN, ArmsEvent.START, -1, false);
        node.onHeartbeat(hb, 0, 4_000_000);
        assertEquals(1, node.record(0).owner(), "a consistent heartbeat is taken again");
    }
}
