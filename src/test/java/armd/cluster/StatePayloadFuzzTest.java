package armd.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import armd.config.ClusterConfig;
import armd.sim.SimConfigs;

import com.code_intelligence.jazzer.junit.FuzzTest;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Arrays;

/**
 * Heartbeat payloads, coverage-guided (Jazzer; {@code scripts/fuzz} fuzzes, the unit tests replay the corpus in
 * {@code StatePayloadFuzzTestInputs}). A payload arrives only inside an authenticated frame, but a peer of
 * another build or a corrupted sender must still not stop an agent: whatever decodes is handed to a running
 * node as two peers' heartbeats, and the node must carry on (scripts, persistence, its own heartbeat). Properties:
 * no exception; decode reads only its {@code len} bytes; what decodes re-encodes to bytes that decode the same.
 */
class StatePayloadFuzzTest {
    private static final ClusterConfig CONFIG = SimConfigs.guide(3, false);
    private static final String[] GROUPS = {"A", "B", "C"};
    private static final int GUARD = 8;
    private static final long BOOTED_NS = 3_000_000_000L;
    /** More script runs than one heartbeat can cause in a 3-server, 3-group cluster: a loop, not progress. */
    private static final int MAX_SCRIPT_RUNS = 64;

    @FuzzTest(maxDuration = "10s")
    void payload(final byte[] data) {
        final PeerSnapshot in = decode(data);
        if (in == null) {
            return;
        }
        final Node node = new Node();
        node.core.tick(BOOTED_NS);
        node.settle(BOOTED_NS);
        long now = BOOTED_NS;
        for (int sender = 1; sender <= 2; sender++) {
            now += 10_000_000L;
            in.header(sender, 1);
            node.core.onHeartbeat(in, 0, now);
            node.core.tick(now);
            node.settle(now);
        }
        final PeerSnapshot out = new PeerSnapshot();
        node.core.snapshot(out);
        final ByteBuffer buf = ByteBuffer.allocate(StatePayload.MAX_SIZE);
        final int len = StatePayload.encode(out, buf);
        buf.flip();
        assertTrue(StatePayload.decode(buf, len, new PeerSnapshot()), "the node's own heartbeat decodes");
    }

    /** Decodes {@code data} between guard bytes of two patterns: both answers must agree; null when refused. */
    private static PeerSnapshot decode(final byte[] data) {
        PeerSnapshot first = null;
        byte[] firstBytes = null;
        for (final byte pattern : new byte[] {0, (byte) 0xff}) {
            final byte[] padded = new byte[GUARD + data.length + GUARD];
            Arrays.fill(padded, pattern);
            System.arraycopy(data, 0, padded, GUARD, data.length);
            final ByteBuffer buf = ByteBuffer.wrap(padded).position(GUARD);
            final PeerSnapshot s = new PeerSnapshot();
            final boolean ok = StatePayload.decode(buf, data.length, s);
            assertTrue(buf.position() <= GUARD + data.length, "read past the payload");
            final byte[] bytes = ok ? encode(s) : null;
            if (pattern == 0) {
                first = ok ? s : null;
                firstBytes = bytes;
            } else {
                assertEquals(first != null, ok, "guard bytes changed the answer");
                assertArrayEquals(firstBytes, bytes, "guard bytes changed the decoded payload");
            }
        }
        if (first != null) {
            final PeerSnapshot again = new PeerSnapshot();
            assertTrue(StatePayload.decode(ByteBuffer.wrap(firstBytes), firstBytes.length, again), "re-encoded");
            assertArrayEquals(firstBytes, encode(again), "re-encoded payload decodes to the same");
        }
        return first;
    }

    private static byte[] encode(final PeerSnapshot s) {
        final ByteBuffer buf = ByteBuffer.allocate(StatePayload.MAX_SIZE);
        final int len = StatePayload.encode(s, buf);
        return Arrays.copyOf(buf.array(), len);
    }

    /** Server 0 of the guide's three-server cluster, whose scripts succeed at once. */
    private static final class Node implements NodeEffects {
        final ArrayDeque<ScriptRun> scripts = new ArrayDeque<>();
        final ClusterNode core = new ClusterNode(CONFIG.topology(), 0, new NodeMemory(GROUPS.length), this, 0);

        void settle(final long nowNs) {
            for (int runs = 0; !scripts.isEmpty(); runs++) {
                assertTrue(runs < MAX_SCRIPT_RUNS, "scripts keep running: " + scripts);
                core.onScriptDone(scripts.poll().group(), RunOutcome.OK, null, nowNs);
                core.tick(nowNs);
            }
        }

        @Override
        public void runScript(final ScriptRun run) {
            scripts.add(run);
        }

        @Override
        public void persist() {
            // the state file's round trip
            NodeMemory.fromMap(core.memory().toMap(GROUPS), GROUPS);
        }

        @Override
        public void log(final String line) {
            assertTrue(line.indexOf('\n') < 0, line);
        }

        @Override
        public void operationDone(final int seq, final OpResult result) {
            // operations issued here: none
        }

        @Override
        public void probeHolder(final int g) {
            core.onHolderProbe(g, true, null, BOOTED_NS);
        }

        @Override
        public void reassert(final int g) {
            // no addresses here
        }

        @Override
        public void newIncarnation(final long incarnation) {
            // heartbeats are not sent here
        }
    }
}
