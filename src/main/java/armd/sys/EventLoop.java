package armd.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * One thread that sleeps in poll(2) until a watched descriptor is ready, another thread queues a task, or a
 * timer's deadline comes; then runs, in this order, the queued tasks (first in, first out), the timers that are
 * due, and the handlers of the ready descriptors. What the loops of armd otherwise each wrote for themselves: a
 * queue, an eventfd to wake the thread, and the next deadline as poll's timeout.
 *
 * <p>{@link #execute} and {@link #stop} are for any thread; everything else ({@link #watch}, {@link #unwatch},
 * {@link #timer}, {@link Timer}) for the loop's own thread, from a task, a timer or a handler. The task queue is
 * bounded: a full queue rejects, it never grows without limit. A turn of the loop allocates nothing: re-arming a
 * timer, running a task and polling reuse what exists (the queue's array, the timers, the pollfd array, which
 * grows only when more descriptors are watched than ever before).
 *
 * <p>A callback that throws ends the loop ({@link #failure()} says what), as does {@link #stop}; then
 * {@code onExit} runs on the loop's thread, and tasks still queued are not run. The thread is a platform
 * daemon thread started by the constructor, so it is in the caller's network namespace.
 */
public final class EventLoop implements Executor, AutoCloseable {
    /** poll(2) events (include/uapi/asm-generic/poll.h). */
    public static final short POLLIN = 0x1;
    public static final short POLLOUT = 0x4;
    public static final short POLLERR = 0x8;
    public static final short POLLHUP = 0x10;
    public static final short POLLNVAL = 0x20;
    /** How long {@link #close()} waits for the loop to end. */
    public static final long CLOSE_WAIT_MS = 5_000;

    /** sizeof(struct pollfd): int fd; short events; short revents. */
    private static final long POLLFD_SIZE = 8;
    private static final long OFF_EVENTS = 4;
    private static final long OFF_REVENTS = 6;

    /** What the loop calls when a watched descriptor is ready. */
    @FunctionalInterface
    public interface Ready {
        /** {@code fd} has {@code revents} (POLLIN, POLLOUT, POLLERR, POLLHUP, POLLNVAL). */
        void ready(int fd, int revents);
    }

    /** An action at a deadline, re-armed as often as needed without allocating. Loop thread only. */
    public final class Timer {
        private final Runnable action;
        private long deadlineNs;
        private boolean armed;

        private Timer(final Runnable action) {
            this.action = action;
        }

        /** Runs the action once at {@code deadlineNs} ({@link System#nanoTime()}), or soon if it has passed. */
        public void at(final long deadlineNs) {
            checkLoopThread();
            this.deadlineNs = deadlineNs;
            this.armed = true;
        }

        /** {@link #at} {@code delayNs} from now. */
        public void after(final long delayNs) {
            at(System.nanoTime() + delayNs);
        }

        /** Disarms the timer: its action does not run until it is armed again. */
        public void cancel() {
            checkLoopThread();
            armed = false;
        }

        /** Whether the timer will run. */
        public boolean armed() {
            return armed;
        }

        /** Disarms the timer and forgets it: for timers of things that go away. */
        public void remove() {
            cancel();
            timers.remove(this);
        }
    }

    private final String name;
    private final ArrayBlockingQueue<Runnable> tasks;
    private final EventFd wake;
    private final Runnable onExit;
    private final Thread thread;
    private volatile boolean stopping;
    /** Guards the eventfd against a signal after it is closed (its number could be someone else's by then). */
    private boolean wakeClosed;

    // the loop thread's
    private final List<Timer> timers = new ArrayList<>();
    private int[] fds = new int[8];
    private short[] events = new short[8];
    private Ready[] handlers = new Ready[8];
    private int watched;
    private boolean changed = true;
    private MemorySegment pollfds;
    private int polled;
    private RuntimeException failure;

    /**
     * Starts a loop on a thread named {@code name}, with room for {@code maxTasks} queued tasks; {@code onExit}
     * runs on that thread when the loop ends (it may be a no-op).
     */
    public EventLoop(final String name, final int maxTasks, final Runnable onExit) {
        this.name = name;
        this.tasks = new ArrayBlockingQueue<>(maxTasks);
        this.wake = new EventFd(name);
        this.onExit = onExit;
        this.pollfds = Arena.ofAuto().allocate(POLLFD_SIZE * (fds.length + 1), 8);
        this.thread = Thread.ofPlatform().name(name).daemon().unstarted(this::loop);
        thread.start();
    }

    /**
     * Queues {@code task} to run on the loop's thread; any thread. Throws {@link RejectedExecutionException} when
     * the loop has stopped or the queue is full.
     */
    @Override
    public void execute(final Runnable task) {
        if (stopping) {
            throw new RejectedExecutionException(name + " has stopped");
        }
        if (!tasks.offer(task)) {
            throw new RejectedExecutionException(name + ": " + tasks.size() + " tasks queued already");
        }
        signal();
    }

    /** A new timer, disarmed, that runs {@code action} on the loop's thread. */
    public Timer timer(final Runnable action) {
        checkLoopThread();
        final Timer t = new Timer(action);
        timers.add(t);
        return t;
    }

    /**
     * Calls {@code handler} whenever {@code fd} has one of {@code pollEvents} (or an error or hang-up), until
     * {@link #unwatch}. The descriptor stays the caller's: unwatch it before closing it.
     */
    public void watch(final int fd, final short pollEvents, final Ready handler) {
        checkLoopThread();
        if (watched == fds.length) {
            fds = Arrays.copyOf(fds, watched * 2);
            events = Arrays.copyOf(events, watched * 2);
            handlers = Arrays.copyOf(handlers, watched * 2);
        }
        fds[watched] = fd;
        events[watched] = pollEvents;
        handlers[watched] = handler;
        watched++;
        changed = true;
    }

    /** Stops watching {@code fd}; its handler is not called again, even in the current turn. */
    public void unwatch(final int fd) {
        checkLoopThread();
        for (int i = 0; i < watched; i++) {
            if (fds[i] == fd && handlers[i] != null) {
                handlers[i] = null;
                changed = true;
                return;
            }
        }
    }

    /** Whether the caller is the loop's thread. */
    public boolean inLoop() {
        return Thread.currentThread() == thread;
    }

    /** What ended the loop when a callback threw, or null; read it in {@code onExit} or after {@link #stop}. */
    public RuntimeException failure() {
        return failure;
    }

    /**
     * Ends the loop after the callback it is running; any thread (on the loop's own thread it returns at once).
     * Waits up to {@code waitMs} for the thread to end and returns whether it did: only then is the eventfd
     * closed. A callback stuck past that keeps its thread; the caller must not free what the callbacks use.
     */
    public boolean stop(final long waitMs) {
        stopping = true;
        signal();
        if (inLoop()) {
            return false;
        }
        try {
            thread.join(waitMs);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            return false;
        }
        synchronized (wake) {
            if (!wakeClosed) {
                wakeClosed = true;
                wake.close();
            }
        }
        return true;
    }

    /** {@link #stop} waiting up to {@link #CLOSE_WAIT_MS}. */
    @Override
    public void close() {
        stop(CLOSE_WAIT_MS);
    }

    private void signal() {
        synchronized (wake) {
            if (!wakeClosed) {
                wake.signal();
            }
        }
    }

    private void checkLoopThread() {
        if (Thread.currentThread() != thread) {
            throw new IllegalStateException(name + ": called off the loop's thread");
        }
    }

    private void loop() {
        try {
            while (!stopping) {
                turn();
            }
        } catch (RuntimeException e) {
            failure = e;
            stopping = true;
        } finally {
            onExit.run();
        }
    }

    private void turn() {
        // only what was queued when the turn began: a task that queues another does not starve the descriptors
        for (int n = tasks.size(); n > 0 && !stopping; n--) {
            final Runnable task = tasks.poll();
            if (task == null) {
                break;
            }
            task.run();
        }
        long nowNs = System.nanoTime();
        for (int i = 0; i < timers.size() && !stopping; i++) {
            final Timer t = timers.get(i);
            if (t.armed && t.deadlineNs - nowNs <= 0) {
                t.armed = false;
                t.action.run();
            }
        }
        if (stopping) {
            return;
        }
        if (changed) {
            rebuild();
        }
        nowNs = System.nanoTime();
        long waitNs = Long.MAX_VALUE;
        for (int i = 0; i < timers.size(); i++) {
            final Timer t = timers.get(i);
            if (t.armed) {
                waitNs = Math.min(waitNs, Math.max(0, t.deadlineNs - nowNs));
            }
        }
        if (!tasks.isEmpty()) {
            waitNs = 0;
        }
        final int timeoutMs = waitNs == Long.MAX_VALUE ? -1
            : (int) Math.min(Integer.MAX_VALUE, (waitNs + 999_999) / 1_000_000);
        final int rc = Libc.poll(pollfds, polled + 1, timeoutMs);
        if (rc == -Errno.EINTR || rc == 0) {
            return;
        }
        Errno.check(rc, "poll", name);
        if (pollfds.get(ValueLayout.JAVA_SHORT, OFF_REVENTS) != 0) {
            wake.drain();
        }
        // the pollfd array holds slots 0..polled-1 of the handler arrays (rebuild compacted them)
        for (int i = 0; i < polled && !stopping; i++) {
            final long base = POLLFD_SIZE * (i + 1);
            final short revents = pollfds.get(ValueLayout.JAVA_SHORT, base + OFF_REVENTS);
            final Ready h = handlers[i];
            if (revents != 0 && h != null) {
                h.ready(fds[i], revents);
            }
        }
    }

    /** Compacts the watched descriptors (dropping unwatched ones) and writes them into the pollfd array. */
    private void rebuild() {
        int n = 0;
        for (int i = 0; i < watched; i++) {
            if (handlers[i] != null) {
                fds[n] = fds[i];
                events[n] = events[i];
                handlers[n] = handlers[i];
                n++;
            }
        }
        for (int i = n; i < watched; i++) {
            handlers[i] = null;
        }
        watched = n;
        if (pollfds.byteSize() < POLLFD_SIZE * (n + 1)) {
            pollfds = Arena.ofAuto().allocate(POLLFD_SIZE * (fds.length + 1), 8);
        }
        pollfds.set(ValueLayout.JAVA_INT, 0, wake.fd());
        pollfds.set(ValueLayout.JAVA_SHORT, OFF_EVENTS, POLLIN);
        for (int i = 0; i < n; i++) {
            final long base = POLLFD_SIZE * (i + 1);
            pollfds.set(ValueLayout.JAVA_INT, base, fds[i]);
            pollfds.set(ValueLayout.JAVA_SHORT, base + OFF_EVENTS, events[i]);
        }
        polled = n;
        changed = false;
    }
}
