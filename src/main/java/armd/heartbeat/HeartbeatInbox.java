package armd.heartbeat;

import armd.sys.EventFd;
import armd.sys.Poller;
import armd.sys.Sched;
import armd.wire.HeartbeatFrame;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Heartbeat reception on a thread of its own, at real-time priority like the sender: it drains the sockets as
 * soon as anything arrives, disposes of garbage at once (see {@link HeartbeatReceiver}: cheap checks, then the
 * MAC, then the replay windows), and queues only authentic frames and refusals for the agent thread, which
 * takes them with {@link #drain} when it gets a CPU. So a flood, or a machine whose cores are busy with other
 * work, never fills the kernel's receive buffer behind the agent thread's back (authentic heartbeats lost there
 * are what makes a live peer look silent), and the agent judges silence only as far as reception has got
 * ({@link #drainedThroughNs()}).
 *
 * <p>The queue is a single-producer single-consumer ring of {@link #CAPACITY} frames, copied in and out, so
 * nothing is allocated per frame on either side. When the agent thread is so late that the ring is full (a
 * third of a second of 16 servers on two networks, ten seconds of two servers on one), a frame is dropped and
 * counted ({@link #overflows()}), and the next {@link #drainedThroughNs()} stops before the first frame dropped.
 * A stall that long is beyond what heartbeats can hide: frames lost then may still read as silence later.
 *
 * <p>Threads: the reception thread; {@link #drain} and {@link #drainedThroughNs()} on one consumer thread.
 */
public final class HeartbeatInbox implements AutoCloseable {
    /** Frames the ring holds: 16 servers on two networks at 10 ms make 3,000 a second. */
    public static final int CAPACITY = 1024;
    /** How long the reception thread sleeps in poll(2) with nothing to do (it wakes at once on a datagram). */
    static final int IDLE_POLL_MS = 1000;
    /**
     * More datagrams than this in a millisecond is a flood (16 servers on two networks send 6 a millisecond,
     * crash probes included): the thread then lets each batch gather for {@link #BATCH_NS} instead of waking for
     * every datagram, which costs more than the datagram itself. Receive times come from the kernel, so the wait
     * delays a heartbeat by at most that, and never ages it.
     */
    static final int FLOOD_PER_MS = 16;
    static final long BATCH_NS = 500_000L;

    private static final int HEARTBEAT = 0;
    private static final int REFUSED = 1;

    private final HeartbeatTransport transport;
    private final HeartbeatReceiver receiver;
    private final int fifoPriority;
    private final Thread thread;
    private final EventFd stop = new EventFd();
    private final EventFd ready = new EventFd();
    private final Poller poller;
    private final Poller peek;

    // the ring: slot i of each array describes one event; head is written by the producer, tail by the consumer
    private final byte[][] frames = new byte[CAPACITY][HeartbeatFrame.MAX_FRAME_LENGTH];
    private final int[] length = new int[CAPACITY];
    private final int[] kind = new int[CAPACITY];
    private final int[] path = new int[CAPACITY];
    private final int[] peer = new int[CAPACITY];
    private final boolean[] fresh = new boolean[CAPACITY];
    private final long[] timeNs = new long[CAPACITY];
    private final AtomicLong head = new AtomicLong();
    private final AtomicLong tail = new AtomicLong();
    /** Every datagram received before this time has been queued (or dropped as garbage); producer-written. */
    private final AtomicLong throughNs = new AtomicLong(System.nanoTime());
    /** The reception thread found every socket empty and sleeps in poll(2) (1), or works (0). */
    private final AtomicLong idle = new AtomicLong();
    private final AtomicLong overflows = new AtomicLong();
    /** The receive time of the first frame dropped since the consumer last looked (MAX_VALUE: none). */
    private final AtomicLong firstDropNs = new AtomicLong(Long.MAX_VALUE);

    private final Producer producer = new Producer();
    private long windowStartNs;
    private int windowCount;
    private boolean flooded;

    // consumer side
    private final HeartbeatFrame view;
    private long consumerThroughNs = Long.MAX_VALUE;

    private volatile boolean running;
    private volatile int schedulerResult = HeartbeatSender.NOT_STARTED;

    /**
     * Reception from {@code transport} for server {@code selfId} of {@code servers}, authenticated with {@code key}
     * for cluster {@code clusterId}, on a thread at SCHED_FIFO {@code fifoPriority} (0: normal priority).
     */
    public HeartbeatInbox(final HeartbeatTransport transport, final byte[] key, final int clusterId,
                          final int selfId, final int servers, final int fifoPriority) {
        this.transport = transport;
        this.receiver = new HeartbeatReceiver(transport, key, clusterId, selfId, servers);
        this.view = new HeartbeatFrame(key, clusterId);
        this.fifoPriority = fifoPriority;
        final int[] fds = transport.fds();
        final int[] all = new int[fds.length + 1];
        all[0] = stop.fd();
        System.arraycopy(fds, 0, all, 1, fds.length);
        this.poller = new Poller(all);
        this.peek = new Poller(fds);
        this.thread = new Thread(this::run, "armd-heartbeat-receiver");
        this.thread.setDaemon(true);
    }

    /** Starts the reception thread. */
    public void start() {
        running = true;
        thread.start();
    }

    /** The descriptor that becomes readable when {@link #drain} has work (for the consumer's poll). */
    public int fd() {
        return ready.fd();
    }

    // ---------------------------------------------------------------- reception thread

    private void run() {
        schedulerResult = fifoPriority > 0 ? Sched.setFifo(fifoPriority) : 0;
        while (running) {
            final int n = receiver.poll(producer);
            // published after the frames it covers (release): a consumer that reads it sees them in the ring
            throughNs.setRelease(Math.min(receiver.drainedThroughNs(), System.nanoTime()));
            if (flooded(n) && n > 0 && n < UdpHeartbeatTransport.MAX_DRAIN_PER_PATH) {
                // (a drain cut off at its bound goes on at once: there is a backlog to clear)
                LockSupport.parkNanos(this, BATCH_NS);
                continue;
            }
            if (n > 0) {
                continue;
            }
            idle.setRelease(1);
            poller.poll(IDLE_POLL_MS);
            idle.setRelease(0);
        }
    }

    /** Counts {@code n} more datagrams; whether the last full millisecond had more than a flood's worth. */
    private boolean flooded(final int n) {
        windowCount += n;
        final long now = System.nanoTime();
        if (now - windowStartNs >= 1_000_000L) {
            flooded = windowCount > FLOOD_PER_MS * (now - windowStartNs) / 1_000_000L;
            windowStartNs = now;
            windowCount = 0;
        }
        return flooded;
    }

    /** Queues what the receiver hands over; runs on the reception thread. */
    private final class Producer implements HeartbeatHandler {
        @Override
        public void onHeartbeat(final int pathIndex, final HeartbeatFrame frame, final boolean isFresh,
                                final long rxNs) {
            final int slot = claim(rxNs);
            if (slot < 0) {
                return;
            }
            final int len = HeartbeatFrame.frameLength(frame.payloadLength());
            System.arraycopy(frame.buffer(), frame.payloadOffset() - HeartbeatFrame.HEADER_LENGTH, frames[slot], 0,
                len);
            length[slot] = len;
            kind[slot] = HEARTBEAT;
            path[slot] = pathIndex;
            fresh[slot] = isFresh;
            timeNs[slot] = rxNs;
            commit();
        }

        @Override
        public void onPeerRefused(final int pathIndex, final int peerId, final long nowNs) {
            final int slot = claim(nowNs);
            if (slot < 0) {
                return;
            }
            kind[slot] = REFUSED;
            path[slot] = pathIndex;
            peer[slot] = peerId;
            timeNs[slot] = nowNs;
            commit();
        }

        private int claim(final long atNs) {
            final long h = head.getPlain();
            if (h - tail.getAcquire() >= CAPACITY) {
                overflows.incrementAndGet();
                if (atNs < firstDropNs.getPlain()) {
                    firstDropNs.setRelease(atNs);
                }
                return -1;
            }
            return (int) (h % CAPACITY);
        }

        private void commit() {
            head.setRelease(head.getPlain() + 1);
            ready.signal();
        }
    }

    // ---------------------------------------------------------------- consumer

    /**
     * Hands every queued frame to {@code handler} (and refusals to its {@link HeartbeatHandler#onPeerRefused}),
     * in arrival order, on the calling thread; returns how many. Also fixes {@link #drainedThroughNs()} for
     * this drain: it is decided before the ring is read, so everything received before it is handed over now.
     */
    public int drain(final HeartbeatHandler handler) {
        ready.drain();
        if (idle.getAcquire() == 1 && peek.poll(0) == 0) {
            // the reception thread had emptied every socket and nothing has arrived since
            consumerThroughNs = Long.MAX_VALUE;
        } else {
            consumerThroughNs = throughNs.getAcquire();
        }
        final long dropped = firstDropNs.getAndSet(Long.MAX_VALUE);
        if (dropped != Long.MAX_VALUE) {
            consumerThroughNs = Math.min(consumerThroughNs, dropped - 1);
        }
        int n = 0;
        long t = tail.getPlain();
        final long h = head.getAcquire();
        for (; t != h; t++, n++) {
            final int slot = (int) (t % CAPACITY);
            if (kind[slot] == REFUSED) {
                handler.onPeerRefused(path[slot], peer[slot], timeNs[slot]);
            } else if (view.check(frames[slot], 0, length[slot], -1) == HeartbeatFrame.Result.OK) {
                // authenticated by the reception thread: check() only fills the view's fields
                handler.onHeartbeat(path[slot], view, fresh[slot], timeNs[slot]);
            }
            tail.setRelease(t + 1);
        }
        return n;
    }

    /**
     * After {@link #drain}: every datagram received before this time (System.nanoTime clock) has been handed
     * over, or was garbage; {@link Long#MAX_VALUE} when reception was idle with every socket empty (all of
     * them).
     */
    public long drainedThroughNs() {
        return consumerThroughNs;
    }

    /** The counters of the transport and receiver. */
    public HeartbeatStats stats() {
        return receiver.stats();
    }

    /** Frames dropped because the agent thread left the ring full. */
    public long overflows() {
        return overflows.get();
    }

    /** 0 when the reception thread got its priority (or none was asked), -errno when refused, or not started. */
    public int schedulerResult() {
        return schedulerResult;
    }

    /** Stops the reception thread (within a second) and closes the wakeup descriptors; not the transport. */
    @Override
    public void close() {
        running = false;
        stop.signal();
        try {
            thread.join(IDLE_POLL_MS + 1000L);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!thread.isAlive()) {
            // (a thread still running would signal a descriptor number that may belong to something else)
            stop.close();
            ready.close();
        }
    }
}
