package armd.heartbeat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import armd.wire.HeartbeatFrame;
import armd.wire.HeartbeatFrame.Result;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The heartbeat transport contract, run on every implementation: three nodes, two heartbeat networks.
 * Subclasses build the world (in memory, or real UDP inside network namespaces).
 */
abstract class HeartbeatTransportContract {
    static final int NODES = 3;
    static final int PATHS = 2;
    static final byte[] KEY = "contract-test-cluster-key-32byte".getBytes(StandardCharsets.US_ASCII);
    static final int CLUSTER = HeartbeatFrame.clusterId("contract");
    private static final long WAIT_NS = TimeUnit.SECONDS.toNanos(10);

    /** Three nodes on two paths, with faults. */
    interface World extends AutoCloseable {
        HeartbeatTransport node(int i);

        /** Everything arriving at {@code node} on {@code path} is dropped from now on. */
        void cutInbound(int node, int path) throws Exception;

        /** Sends raw bytes on {@code path} to every node but {@code fromNode}, not through its transport. */
        void inject(int fromNode, int path, byte[] datagram) throws Exception;

        /**
         * Sends raw bytes by unicast from an unbound socket in {@code fromNode}'s namespace to {@code toNode}'s
         * heartbeat address on {@code path}: what a dead agent's guardian does with its "gone" frame.
         */
        default void injectUnicast(final int fromNode, final int toNode, final int path, final byte[] datagram)
            throws Exception {
            inject(fromNode, path, datagram);
        }

        @Override
        void close();
    }

    abstract World newWorld() throws Exception;

    /** What a node received. */
    record Got(int path, int sender, long incarnation, long sequence, boolean fresh, long rxNs, String payload) {
    }

    /** A node's receiving side: receiver plus everything it delivered. */
    static final class Node implements HeartbeatHandler {
        final HeartbeatReceiver receiver;
        final List<Got> got = new ArrayList<>();
        final List<Integer> refused = new ArrayList<>();

        Node(final HeartbeatTransport t, final int id) {
            receiver = new HeartbeatReceiver(t, KEY, CLUSTER, id, NODES);
        }

        @Override
        public void onHeartbeat(final int pathIndex, final HeartbeatFrame f, final boolean fresh, final long rxNs) {
            got.add(new Got(pathIndex, f.senderId(), f.incarnation(), f.sequence(), fresh, rxNs,
                new String(f.buffer(), f.payloadOffset(), f.payloadLength(), StandardCharsets.UTF_8)));
        }

        @Override
        public void onPeerRefused(final int pathIndex, final int peerId, final long nowNs) {
            refused.add(peerId);
        }

        long count(final int path, final long sequence) {
            return got.stream().filter(g -> g.path == path && g.sequence == sequence).count();
        }

        long onPath(final int path) {
            return got.stream().filter(g -> g.path == path).count();
        }
    }

    World world;
    Node[] nodes;
    final HeartbeatFrame codec = new HeartbeatFrame(KEY, CLUSTER);
    final byte[] frame = new byte[HeartbeatFrame.MAX_FRAME_LENGTH];

    @BeforeEach
    void build() throws Exception {
        world = newWorld();
        nodes = new Node[NODES];
        for (int i = 0; i < NODES; i++) {
            nodes[i] = new Node(world.node(i), i);
        }
    }

    @AfterEach
    void tearDown() {
        if (world != null) {
            world.close();
        }
    }

    byte[] encode(final int sender, final long incarnation, final long sequence, final String payload) {
        final byte[] p = payload.getBytes(StandardCharsets.UTF_8);
        final int n = codec.encode(frame, 0, 1, 0, sender, incarnation, sequence, p, 0, p.length);
        return java.util.Arrays.copyOf(frame, n);
    }

    int send(final int node, final long incarnation, final long sequence, final String payload) {
        return world.node(node).send(ByteBuffer.wrap(encode(node, incarnation, sequence, payload)));
    }

    /**
     * What the UDP transports (not the in-memory one) add: node 1's agent goes away while its kernel stays (its
     * sockets close, as at kill -9); node 0's next sends are refused and reported on every path, for node 1 only.
     */
    void aPeerWhoseAgentIsGoneIsRefusedOnEveryPath() {
        send(0, 1, 1, "before");
        pollUntil("node 1 hears node 0", () -> nodes[1].got.size() == PATHS);
        assertEquals(0, nodes[0].refused.size(), "no refusal while every agent lives");
        world.node(1).close();
        final long[] seq = {2};
        pollUntil("node 0 sees node 1 refuse on both paths", () -> {
            world.node(0).send(ByteBuffer.wrap(encode(0, 1, seq[0]++, "after")));
            final HeartbeatStats s = nodes[0].receiver.stats();
            return s.refused(0) > 0 && s.refused(1) > 0;
        });
        assertTrue(nodes[0].refused.stream().allMatch(id -> id == 1),
            "only node 1 refused: " + nodes[0].refused);
    }

    /** Polls every node until {@code done}, at most 10 s; fails with {@code what} otherwise. */
    void pollUntil(final String what, final BooleanSupplier done) {
        final long end = System.nanoTime() + WAIT_NS;
        for (int i = 0; i < 1_000_000; i++) {
            for (final Node n : nodes) {
                n.receiver.poll(n);
            }
            if (done.getAsBoolean()) {
                return;
            }
            if (System.nanoTime() - end > 0) {
                break;
            }
            LockSupport.parkNanos(200_000);
        }
        throw new AssertionError("not within 10 s: " + what + "; node stats: " + nodes[0].receiver.stats() + " | "
            + nodes[1].receiver.stats() + " | " + nodes[2].receiver.stats());
    }

    @Test
    void aFrameReachesEveryOtherNodeOnEveryPathOnceFresh() {
        assertEquals(PATHS, send(0, 77, 1, "hello"));
        pollUntil("both copies at nodes 1 and 2", () -> nodes[1].got.size() == PATHS && nodes[2].got.size() == PATHS);
        for (int i = 1; i < NODES; i++) {
            for (int p = 0; p < PATHS; p++) {
                assertEquals(1, nodes[i].count(p, 1), "node " + i + " path " + p);
            }
            final Got g = nodes[i].got.get(0);
            assertEquals(0, g.sender);
            assertEquals(77, g.incarnation);
            assertEquals("hello", g.payload);
            assertEquals(1, nodes[i].got.stream().filter(Got::fresh).count(), "exactly one fresh copy");
            assertEquals(0, nodes[i].receiver.stats().dropped());
        }
        assertEquals(0, nodes[0].got.size(), "a node does not hear itself");
    }

    @Test
    void forgedForeignTruncatedUnknownAndReplayedFramesAreCountedAndNeverDelivered() throws Exception {
        final byte[] forged = encode(0, 5, 1, "forged");
        forged[forged.length - 3] ^= 0x40;
        world.inject(0, 0, forged);
        final HeartbeatFrame foreign = new HeartbeatFrame(KEY, HeartbeatFrame.clusterId("another cluster"));
        final byte[] p = "x".getBytes(StandardCharsets.UTF_8);
        final byte[] other = java.util.Arrays.copyOf(frame, foreign.encode(frame, 0, 1, 0, 0, 5, 1, p, 0, 1));
        world.inject(0, 0, other);
        world.inject(0, 0, java.util.Arrays.copyOf(encode(0, 5, 1, "truncated"), 30));
        world.inject(0, 0, encode(7, 5, 1, "server 7 is not in this cluster"));
        world.inject(0, 0, "not a heartbeat at all".getBytes(StandardCharsets.US_ASCII));
        final byte[] genuine = encode(0, 5, 1, "genuine");
        world.node(0).send(ByteBuffer.wrap(genuine));
        world.inject(0, 0, genuine);
        world.inject(0, 1, genuine);
        world.inject(0, 0, encode(0, 4, 9, "an older boot"));
        send(0, 5, 2, "last");
        for (int i = 1; i < NODES; i++) {
            final HeartbeatStats s = nodes[i].receiver.stats();
            final int node = i;
            pollUntil("every drop counted at node " + i, () -> s.count(Result.BAD_MAC) == 1
                && s.count(Result.FOREIGN_CLUSTER) == 1 && s.count(Result.TRUNCATED) == 1
                && s.count(Result.UNKNOWN_SENDER) == 1 && s.count(Result.BAD_MAGIC) == 1
                && s.count(Result.REPLAY) == 3 && nodes[node].got.size() == 2 * PATHS);
            assertEquals(8, s.dropped());
            for (final Got g : nodes[i].got) {
                assertTrue(g.payload.equals("genuine") || g.payload.equals("last"), g.toString());
            }
        }
    }

    /**
     * A frame sent by unicast to a node's heartbeat address, from outside the transport (a dead agent's guardian
     * sending its pre-signed "gone"), is received and authenticated on a multicast path too.
     */
    @Test
    void aUnicastFrameFromOutsideTheTransportIsReceived() throws Exception {
        world.injectUnicast(0, 1, 0, encode(0, 4, Long.MAX_VALUE, "gone"));
        pollUntil("node 1 got the frame", () -> nodes[1].got.stream().anyMatch(g -> g.payload.equals("gone")));
        final Got g = nodes[1].got.stream().filter(x -> x.payload.equals("gone")).findFirst().orElseThrow();
        assertEquals(Long.MAX_VALUE, g.sequence);
        assertEquals(0, g.sender);
    }

    @Test
    void framesStillArriveOnOnePathWhenTheOtherIsCut() throws Exception {
        world.cutInbound(2, 0);
        for (int seq = 1; seq <= 5; seq++) {
            send(0, 9, seq, "s" + seq);
        }
        pollUntil("node 1 on both paths and node 2 on path 1",
            () -> nodes[1].onPath(0) == 5 && nodes[1].onPath(1) == 5 && nodes[2].onPath(1) == 5);
        assertEquals(0, nodes[2].onPath(0), "the cut path delivers nothing");
        assertEquals(5, nodes[2].got.stream().filter(Got::fresh).count(), "every frame once fresh at node 2");
    }

    @Test
    void receiveTimesAreKernelTimesInTheNanoTimeDomain() {
        final long beforeNs = System.nanoTime();
        send(1, 3, 1, "t");
        final long[] drainNs = {0};
        final long end = System.nanoTime() + WAIT_NS;
        while (nodes[0].got.isEmpty() && System.nanoTime() - end < 0) {
            nodes[0].receiver.poll(nodes[0]);
            drainNs[0] = System.nanoTime();
            LockSupport.parkNanos(100_000);
        }
        assertTrue(!nodes[0].got.isEmpty(), "no frame within 10 s");
        for (final Got g : nodes[0].got) {
            assertTrue(g.rxNs - drainNs[0] <= 0, "received " + (g.rxNs - drainNs[0]) + " ns after the drain");
            // the two clocks are read a few microseconds apart: allow 5 ms for that, not for latency
            assertTrue(g.rxNs - beforeNs >= -5_000_000L, "received " + (beforeNs - g.rxNs) + " ns before the send");
        }
    }

    @Test
    void theSenderThreadSendsPeriodicallyWithRisingSequences() {
        try (HeartbeatSender s = new HeartbeatSender(world.node(2), KEY, CLUSTER, 2, 1234, 5_000_000L, 0)) {
            s.start();
            final byte[] payload = "state-1".getBytes(StandardCharsets.UTF_8);
            s.publish(1, 0, payload, 0, payload.length);
            pollUntil("5 fresh frames at node 0",
                () -> nodes[0].got.stream().filter(Got::fresh).count() >= 5);
            final byte[] next = "state-2".getBytes(StandardCharsets.UTF_8);
            s.publish(1, 0, next, 0, next.length);
            pollUntil("the new payload at node 1",
                () -> nodes[1].got.stream().anyMatch(g -> g.payload.equals("state-2")));
        }
        final List<Long> fresh = nodes[0].got.stream().filter(Got::fresh).map(Got::sequence).toList();
        for (int i = 0; i < fresh.size(); i++) {
            assertEquals(i + 1L, fresh.get(i), "sequences start at 1 and rise by one: " + fresh);
        }
        assertTrue(nodes[0].got.stream().allMatch(g -> g.incarnation == 1234 && g.sender == 2));
    }
}
