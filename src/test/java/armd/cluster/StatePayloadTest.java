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
}
