package armd.control;

import armd.sys.Errno;
import armd.sys.SysException;
import armd.sys.proc.Pidfd;
import armd.sys.proc.PollSet;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

/**
 * The agent side of armload and armkill: watches registered processes through pidfds, all on one thread
 * ({@code armd-pidfd}) blocked in poll(2), so a process's exit is an event, not a poll loop. Reports each
 * exit of a watched process once to the {@link Listener} (on that thread). {@link #kill} stops watching
 * first, so a killed process is never reported as an exit (no failover).
 *
 * <p>The watched processes are usually not the agent's children (armload forked them and exited), so no exit
 * status is known: the pidfd only says the process is gone. Thread-safe.
 */
public final class ProcessWatcher implements AutoCloseable {
    /** After SIGKILL, how long to wait for the process to go before calling it unkillable (state D). */
    static final long KILL_WAIT_MS = 5_000;

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
        long deadlineNs;
        boolean sentKill;
        boolean closed;

        Entry(final Watched watched, final int pidfd) {
            this.watched = watched;
            this.pidfd = pidfd;
        }
    }

    private final Listener listener;
    private final Map<Key, Entry> watched = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<Entry> commands = new ConcurrentLinkedQueue<>();
    private final PollSet poll = new PollSet(16);
    private final Thread thread;
    private volatile boolean closed;

    // confined to the watcher thread
    private final List<Entry> active = new ArrayList<>();
    private int[] fds = new int[16];
    private boolean[] ready = new boolean[16];

    /** Starts the watcher thread. */
    public ProcessWatcher(final Listener listener) {
        this.listener = listener;
        this.thread = Thread.ofPlatform().daemon().name("armd-pidfd").start(this::run);
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
        commands.add(e);
        poll.wakeup();
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
        commands.add(e);
        poll.wakeup();
        return f;
    }

    private void run() {
        try {
            while (!closed) {
                drainCommands();
                final long nowNs = System.nanoTime();
                long timeoutNs = -1;
                for (int i = active.size() - 1; i >= 0; i--) {
                    final Entry e = active.get(i);
                    if (e.kill != null) {
                        final long leftNs = e.deadlineNs - nowNs;
                        if (leftNs <= 0) {
                            deadlinePassed(e, nowNs);
                            continue;
                        }
                        timeoutNs = timeoutNs < 0 ? leftNs : Math.min(timeoutNs, leftNs);
                    }
                }
                final int n = active.size();
                if (fds.length < n) {
                    fds = new int[n * 2];
                    ready = new boolean[n * 2];
                }
                for (int i = 0; i < n; i++) {
                    fds[i] = active.get(i).pidfd;
                }
                final int timeoutMs = timeoutNs < 0 ? -1
                    : (int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(timeoutNs) + 1);
                if (poll.await(fds, n, timeoutMs, ready) > 0) {
                    for (int i = n - 1; i >= 0; i--) {
                        if (ready[i]) {
                            gone(active.remove(i));
                        }
                    }
                }
            }
        } finally {
            for (final Entry e : active) {
                if (!e.closed) {
                    Pidfd.close(e.pidfd);
                }
                if (e.kill != null) {
                    e.kill.complete(KillOutcome.NOT_WATCHED);
                }
            }
        }
    }

    private void drainCommands() {
        Entry e;
        while ((e = commands.poll()) != null) {
            final boolean killing = e.kill != null;
            if (e.pidfd < 0 || e.closed) {
                // gone before we watched it (pidfd_open said ESRCH), or its exit raced a kill()
                if (killing) {
                    e.kill.complete(KillOutcome.TERMINATED);
                } else if (watched.remove(new Key(e.watched.group(), e.watched.id()), e)) {
                    listener.exited(e.watched.group(), e.watched.id(), e.watched.pid());
                }
                continue;
            }
            if (!killing) {
                active.add(e);
                continue;
            }
            if (e.deadlineNs != 0) {
                continue; // already being killed (a kill raced its own watch command)
            }
            if (!active.contains(e)) {
                active.add(e);
            }
            e.deadlineNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(e.graceMs);
            if (Pidfd.sendSignal(e.pidfd, Pidfd.SIGTERM) == -Errno.ESRCH) {
                active.remove(e);
                finish(e, KillOutcome.TERMINATED);
            }
        }
    }

    private void deadlinePassed(final Entry e, final long nowNs) {
        if (!e.sentKill) {
            e.sentKill = true;
            e.deadlineNs = nowNs + TimeUnit.MILLISECONDS.toNanos(KILL_WAIT_MS);
            if (Pidfd.sendSignal(e.pidfd, Pidfd.SIGKILL) == -Errno.ESRCH) {
                active.remove(e);
                finish(e, KillOutcome.TERMINATED);
            }
            return;
        }
        active.remove(e);
        finish(e, KillOutcome.UNKILLABLE);
    }

    private void gone(final Entry e) {
        if (e.kill != null) {
            finish(e, e.sentKill ? KillOutcome.KILLED : KillOutcome.TERMINATED);
            return;
        }
        e.closed = true;
        Pidfd.close(e.pidfd);
        // a kill() racing this exit has removed the entry already: then its command completes the kill
        if (watched.remove(new Key(e.watched.group(), e.watched.id()), e)) {
            listener.exited(e.watched.group(), e.watched.id(), e.watched.pid());
        }
    }

    private static void finish(final Entry e, final KillOutcome outcome) {
        if (!e.closed) {
            e.closed = true;
            Pidfd.close(e.pidfd);
        }
        e.kill.complete(outcome);
    }

    /** Stops the watcher thread and closes every pidfd; pending kills complete as NOT_WATCHED. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        poll.wakeup();
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        poll.close();
    }
}
