package armd.control;

import armd.sys.Errno;
import armd.sys.EventLoop;
import armd.sys.SysException;
import armd.sys.proc.Pidfd;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * The agent side of armload and armkill: watches registered processes through pidfds, all on one
 * {@link EventLoop} ({@code armd-pidfd}), so a process's exit is an event, not a poll loop; a kill's grace
 * period is one of its timers. Reports each
 * exit of a watched process once to the {@link Listener} (on that thread). {@link #kill} stops watching
 * first, so a killed process is never reported as an exit (no failover).
 *
 * <p>The watched processes are usually not the agent's children (armload forked them and exited), so no exit
 * status is known: the pidfd only says the process is gone. Thread-safe.
 */
public final class ProcessWatcher implements AutoCloseable {
    /** After SIGKILL, how long to wait for the process to go before calling it unkillable (state D). */
    static final long KILL_WAIT_MS = 5_000;
    /** Watch and kill requests waiting for the watcher thread: far more than a group has applications. */
    static final int MAX_QUEUED = 4096;

    /** Receives exits; called on the watcher thread: enqueue, do not block. */
    @FunctionalInterface
    public interface Listener {
        /** The process watched as {@code id} in {@code group} has exited (or was gone when registered). */
        void exited(String group, String id, int pid);
    }

    /** How an {@link #kill} ended. */
    public enum KillOutcome {
        /** It exited after SIGTERM (or had exited already). */
        TERMINATED,
        /** It ignored SIGTERM for the grace period and was killed with SIGKILL. */
        KILLED,
        /** Nothing was watched under that group and id. */
        NOT_WATCHED,
        /** It survived SIGKILL (uninterruptible sleep, usually stuck I/O). */
        UNKILLABLE
    }

    /** A watched process. */
    public record Watched(String group, String id, int pid) {
    }

    private record Key(String group, String id) {
    }

    private static final class Entry {
        final Watched watched;
        final int pidfd;
        /** Set once by {@link #kill} (after graceMs: the volatile write publishes both). */
        volatile CompletableFuture<KillOutcome> kill;
        long graceMs;
        // watcher thread only
        EventLoop.Timer deadline;
        boolean polled;
        boolean sentKill;
        boolean closed;

        Entry(final Watched watched, final int pidfd) {
            this.watched = watched;
            this.pidfd = pidfd;
        }
    }

    private final Listener listener;
    private final Map<Key, Entry> watched = new ConcurrentHashMap<>();
    private final EventLoop loop;
    private volatile boolean closed;

    // confined to the watcher thread
    private final List<Entry> active = new ArrayList<>();

    /** Starts the watcher thread. */
    public ProcessWatcher(final Listener listener) {
        this.listener = listener;
        this.loop = new EventLoop("armd-pidfd", MAX_QUEUED, this::stopped);
    }

    /**
     * Watches {@code pid} as {@code id} in {@code group}. Returns {@code false} (and watches nothing) when that
     * group already has a process watched under {@code id}. A process that is already gone is reported as
     * exited at once. Throws {@link SysException} when the pidfd cannot be opened (EMFILE, EPERM...).
     */
    public boolean watch(final String group, final String id, final int pid) {
        if (closed) {
            throw new IllegalStateException("process watcher closed");
        }
        final Key key = new Key(group, id);
        final Watched w = new Watched(group, id, pid);
        final int fd = Pidfd.open(pid);
        if (fd < 0 && fd != -Errno.ESRCH) {
            throw new SysException("pidfd_open", "pid " + pid, -fd);
        }
        final Entry e = new Entry(w, fd);
        if (watched.putIfAbsent(key, e) != null) {
            if (fd >= 0) {
                Pidfd.close(fd);
            }
            return false;
        }
        try {
            loop.execute(() -> added(e));
        } catch (RejectedExecutionException r) {
            watched.remove(key, e);
            if (fd >= 0) {
                Pidfd.close(fd);
            }
            throw new IllegalStateException("process watcher: " + r.getMessage());
        }
        return true;
    }

    /** The processes watched now. */
    public List<Watched> watched() {
        return watched.values().stream().map(e -> e.watched).toList();
    }

    /**
     * Stops watching {@code id} in {@code group} and ends the process: SIGTERM, up to {@code graceMs} for it to
     * exit, then SIGKILL. Never blocks; the future completes on the watcher thread.
     */
    public CompletableFuture<KillOutcome> kill(final String group, final String id, final long graceMs) {
        final Entry e = watched.remove(new Key(group, id));
        if (e == null) {
            return CompletableFuture.completedFuture(KillOutcome.NOT_WATCHED);
        }
        final CompletableFuture<KillOutcome> f = new CompletableFuture<>();
        e.graceMs = graceMs;
        e.kill = f;
        try {
            loop.execute(() -> killed(e));
        } catch (RejectedExecutionException r) {
            f.complete(KillOutcome.NOT_WATCHED);
        }
        return f;
    }

    /** A watch request, on the watcher thread. */
    private void added(final Entry e) {
        if (e.pidfd < 0 || e.closed) {
            // gone before we watched it (pidfd_open said ESRCH): an exit, unless a kill() took it (then its own
            // request completes the kill)
            if (e.kill == null && watched.remove(new Key(e.watched.group(), e.watched.id()), e)) {
                listener.exited(e.watched.group(), e.watched.id(), e.watched.pid());
            }
            return;
        }
        poll(e);
    }

    /** A kill request, on the watcher thread. */
    private void killed(final Entry e) {
        if (e.pidfd < 0 || e.closed) {
            e.kill.complete(KillOutcome.TERMINATED);
            return;
        }
        if (e.deadline != null) {
            return;
        }
        poll(e);
        e.deadline = loop.timer(() -> deadlinePassed(e));
        e.deadline.after(TimeUnit.MILLISECONDS.toNanos(e.graceMs));
        if (Pidfd.sendSignal(e.pidfd, Pidfd.SIGTERM) == -Errno.ESRCH) {
            finish(e, KillOutcome.TERMINATED);
        }
    }

    private void poll(final Entry e) {
        if (!e.polled) {
            e.polled = true;
            active.add(e);
            loop.watch(e.pidfd, EventLoop.POLLIN, (fd, revents) -> gone(e));
        }
    }

    private void deadlinePassed(final Entry e) {
        if (!e.sentKill) {
            e.sentKill = true;
            e.deadline.after(TimeUnit.MILLISECONDS.toNanos(KILL_WAIT_MS));
            if (Pidfd.sendSignal(e.pidfd, Pidfd.SIGKILL) == -Errno.ESRCH) {
                finish(e, KillOutcome.TERMINATED);
            }
            return;
        }
        finish(e, KillOutcome.UNKILLABLE);
    }

    /** The pidfd became readable (or hung up, or errs): the process is gone. */
    private void gone(final Entry e) {
        if (e.kill != null) {
            finish(e, e.sentKill ? KillOutcome.KILLED : KillOutcome.TERMINATED);
            return;
        }
        release(e);
        // a kill() racing this exit has removed the entry already: then its request completes the kill
        if (watched.remove(new Key(e.watched.group(), e.watched.id()), e)) {
            listener.exited(e.watched.group(), e.watched.id(), e.watched.pid());
        }
    }

    private void finish(final Entry e, final KillOutcome outcome) {
        release(e);
        e.kill.complete(outcome);
    }

    /** Stops polling and timing {@code e} and closes its pidfd (unwatched first: the number may be reused). */
    private void release(final Entry e) {
        if (e.polled) {
            e.polled = false;
            loop.unwatch(e.pidfd);
            active.remove(e);
        }
        if (e.deadline != null) {
            e.deadline.remove();
        }
        if (!e.closed) {
            e.closed = true;
            Pidfd.close(e.pidfd);
        }
    }

    /** The loop has ended (closed, or a bug threw): every pidfd is closed, pending kills complete. */
    private void stopped() {
        for (final Entry e : active) {
            if (!e.closed) {
                e.closed = true;
                Pidfd.close(e.pidfd);
            }
            if (e.kill != null) {
                e.kill.complete(KillOutcome.NOT_WATCHED);
            }
        }
        active.clear();
    }

    /** Stops the watcher thread and closes every pidfd; pending kills complete as NOT_WATCHED. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        loop.close();
    }
}
