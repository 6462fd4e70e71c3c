package armd.heartbeat;

import armd.sys.Sched;
import armd.wire.HeartbeatFrame;

import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The heartbeat sending thread: sends the latest published payload on every path every interval, on an
 * absolute schedule (each deadline is the previous one plus the interval, so lateness never accumulates), and
 * at once when the payload changes. Each frame has the next sequence number of this boot incarnation.
 *
 * <p>The thread asks for SCHED_FIFO at the given priority: an agent thread at normal priority can wake 100 ms+
 * late on a saturated machine, a real-time one an order of magnitude less. Refusal (no CAP_SYS_NICE, no
 * real-time budget) is not an error: {@link #schedulerResult()} says what happened, for the caller to log once.
 *
 * <p>{@link #publish} hands the payload over through a triple buffer: neither side waits for the other or
 * takes a lock (a lock would let a preempted normal-priority agent thread hold up the real-time sender).
 * Nothing is allocated after {@link #start()}.
 */
public final class HeartbeatSender implements AutoCloseable {
    /** A scheduler result meaning the thread has not started yet. */
    public static final int NOT_STARTED = Integer.MIN_VALUE;

    private static final int DIRTY = 4;
    private static final int INDEX = 3;

    private final HeartbeatTransport transport;
    private final HeartbeatFrame codec;
    private final byte[] key;
    private final int clusterId;
    private final int selfId;
    private volatile long incarnation;
    private final long intervalNs;
    private final int fifoPriority;
    private final Thread thread;

    // triple buffer: the publisher owns slot [back], the sender owns slot [front], [middle] is in between
    private final byte[][] slots = new byte[3][HeartbeatFrame.MAX_PAYLOAD_LENGTH];
    private final int[] slotLength = new int[3];
    private final int[] slotType = new int[3];
    private final int[] slotFlags = new int[3];
    private final AtomicInteger middle = new AtomicInteger(1);
    private int back = 2;
    private int front;
    private boolean published;

    private final byte[] frame = new byte[HeartbeatFrame.MAX_FRAME_LENGTH];
    private final ByteBuffer frameBuffer = ByteBuffer.wrap(frame);

    private volatile boolean running;
    private volatile int schedulerResult = NOT_STARTED;
    private volatile long sequence;
    private volatile long missedDeadlines;
    private volatile long maxLatenessNs;

    /**
     * A sender for server {@code selfId} over {@code transport}, every {@code intervalNs}, with boot
     * {@code incarnation} (see {@link #nextIncarnation}); {@code fifoPriority} 1..99, or 0 to stay at normal
     * priority.
     */
    public HeartbeatSender(final HeartbeatTransport transport, final byte[] key, final int clusterId,
                           final int selfId, final long incarnation, final long intervalNs, final int fifoPriority) {
        if (intervalNs <= 0 || fifoPriority < 0 || fifoPriority > 99) {
            throw new IllegalArgumentException("interval " + intervalNs + " ns, priority " + fifoPriority);
        }
        this.transport = transport;
        this.codec = new HeartbeatFrame(key, clusterId);
        this.key = key.clone();
        this.clusterId = clusterId;
        this.selfId = selfId;
        this.incarnation = incarnation;
        this.intervalNs = intervalNs;
        this.fifoPriority = fifoPriority;
        this.thread = new Thread(this::run, "armd-heartbeat-sender");
        this.thread.setDaemon(true);
    }

    /**
     * The boot incarnation for this start: the realtime clock, but always above the previous one (persisted by
     * the caller), so a clock stepped backwards across a restart cannot make peers drop every frame as a replay.
     */
    public static long nextIncarnation(final long previousIncarnation, final long realtimeNs) {
        return Math.max(previousIncarnation + 1, realtimeNs);
    }

    /** Starts the sending thread; it sends nothing until the first {@link #publish}. */
    public void start() {
        running = true;
        thread.start();
    }

    /**
     * Makes {@code payload[offset, offset + length)} (at most {@link HeartbeatFrame#MAX_PAYLOAD_LENGTH} bytes) with
     * {@code type} and {@code flags} the content of every frame from now on, and sends it at once. Copies: the
     * caller may reuse its array. Called from one thread only (the agent's).
     */
    public void publish(final int type, final int flags, final byte[] payload, final int offset, final int length) {
        if (length < 0 || length > HeartbeatFrame.MAX_PAYLOAD_LENGTH || (type & ~0xff) != 0 || (flags & ~0xff) != 0) {
            throw new IllegalArgumentException("heartbeat payload " + length + " bytes, type " + type
                + ", flags " + flags);
        }
        System.arraycopy(payload, offset, slots[back], 0, length);
        slotLength[back] = length;
        slotType[back] = type;
        slotFlags[back] = flags;
        // the getAndSet publishes the slot's contents (volatile semantics) and takes the old middle slot back
        back = middle.getAndSet(back | DIRTY) & INDEX;
        LockSupport.unpark(thread);
    }

    private boolean takeLatest() {
        if ((middle.get() & DIRTY) == 0) {
            return false;
        }
        front = middle.getAndSet(front) & INDEX;
        published = true;
        return true;
    }

    private void run() {
        if (fifoPriority > 0) {
            schedulerResult = Sched.setFifo(fifoPriority);
        } else {
            schedulerResult = 0;
        }
        long deadlineNs = System.nanoTime() + intervalNs;
        long worstNs = 0;
        while (running) {
            final boolean changed = takeLatest();
            final long nowNs = System.nanoTime();
            final long lateNs = nowNs - deadlineNs;
            final boolean due = lateNs >= 0;
            if (due) {
                if (lateNs > worstNs) {
                    worstNs = lateNs;
                    maxLatenessNs = lateNs;
                }
                deadlineNs += intervalNs;
                if (nowNs - deadlineNs >= 0) {
                    // a whole interval or more behind (suspended, starved): skip, do not burst to catch up
                    missedDeadlines = missedDeadlines + 1;
                    deadlineNs = nowNs + intervalNs;
                }
            }
            if (published && (changed || due)) {
                sendOnce();
            }
            final long waitNs = deadlineNs - System.nanoTime();
            if (waitNs > 0) {
                LockSupport.parkNanos(this, waitNs);
            }
        }
    }

    private void sendOnce() {
        final long inc;
        final long seq;
        synchronized (this) {
            // uncontended but for an incarnation change: a lock the real-time thread takes alone costs nanoseconds
            inc = incarnation;
            seq = sequence + 1;
            sequence = seq;
        }
        final int n = codec.encode(frame, 0, slotType[front], slotFlags[front], selfId, inc, seq,
            slots[front], 0, slotLength[front]);
        frameBuffer.limit(n).position(0);
        transport.send(frameBuffer);
    }

    /** The boot incarnation in every frame. */
    public long incarnation() {
        return incarnation;
    }

    /**
     * From the next frame on, heartbeats carry {@code newIncarnation} (higher than the current one: peers take it
     * as a restart), with sequences from 1 again. Any thread.
     */
    public void incarnation(final long newIncarnation) {
        synchronized (this) {
            incarnation = newIncarnation;
            sequence = 0;
        }
        LockSupport.unpark(thread);
    }

    /**
     * An authenticated frame of {@code type} with an empty payload and the highest sequence of the current
     * incarnation, to be sent by someone else when this agent is dead (its guardian's "gone"): no frame of this
     * incarnation can follow it, and it is accepted once. Not for the sending thread's hot path: allocates.
     */
    public byte[] lastWords(final int type) {
        final HeartbeatFrame words = new HeartbeatFrame(key, clusterId);
        final byte[] out = new byte[HeartbeatFrame.MAX_FRAME_LENGTH];
        final int n = words.encode(out, 0, type, 0, selfId, incarnation, Long.MAX_VALUE, new byte[0], 0, 0);
        return java.util.Arrays.copyOf(out, n);
    }

    /** The sequence of the last frame sent (0: none yet). */
    public long sequence() {
        return sequence;
    }

    /** 0 when the thread got its priority (or none was asked), -errno when refused, or {@link #NOT_STARTED}. */
    public int schedulerResult() {
        return schedulerResult;
    }

    /** Periodic sends skipped because the thread woke a whole interval or more late. */
    public long missedDeadlines() {
        return missedDeadlines;
    }

    /** The latest the thread has woken after a deadline, in nanoseconds. */
    public long maxLatenessNs() {
        return maxLatenessNs;
    }

    /** Stops the thread and waits for it (at most one interval plus a second). */
    @Override
    public void close() {
        running = false;
        LockSupport.unpark(thread);
        if (thread.isAlive()) {
            try {
                thread.join(intervalNs / 1_000_000L + 1000L);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
