package armd.action;

import armd.base.AgentLog;
import armd.config.FileSafety;
import armd.sys.Errno;
import armd.sys.proc.Signals;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs group start and stop scripts without blocking the caller: {@link #run} returns at once with a future
 * that completes with the {@link ScriptResult} (poll it with {@code isDone()} from a duty cycle, or chain a
 * callback that offers the result to the agent's queue).
 *
 * <p>Each script runs in its own session and process group ({@code setsid}), from {@code /}, with stdin from
 * {@code /dev/null}, only the file descriptors 0-2 (the JDK closes the rest), and a clean environment: PATH,
 * ARMD_SOCKET (so {@code arm*} commands find the agent) and exactly the {@code ARMS_*} variables given. Its
 * stdout and stderr go, line by line, to an {@link OutputSink} with the group and script named. A script still
 * running at its timeout gets SIGTERM on its whole process group, then SIGKILL after the grace period; the
 * result is reported once that is done. A script that exits normally may leave background processes (a start
 * script starting a daemon): they are not touched, and whatever they print on the inherited output keeps
 * going to the sink. Scripts that are not safe to run as root ({@link FileSafety#scriptProblem}) are refused.
 *
 * <p>Thread-safe: {@link #run} may be called from any thread; the sink is called on a reader thread per run.
 */
public final class ScriptRunner implements AutoCloseable {
    /** The PATH scripts get, after the directory of the arm* commands when one is configured. */
    public static final String SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    /** The environment variable naming the agent's control socket. */
    public static final String SOCKET_VARIABLE = "ARMD_SOCKET";
    /** The environment variable naming the calling script (start or stop), for armlog. */
    public static final String SCRIPT_VARIABLE = "ARMD_SCRIPT";
    /** Default time between SIGTERM and SIGKILL of a timed-out script's process group. */
    public static final int DEFAULT_KILL_GRACE_MS = 5000;

    private static final String SETSID = "/usr/bin/setsid";
    /** After the script exits, how long to wait for the rest of its output (a background child may hold it). */
    private static final long DRAIN_MS = 200;
    private static final long POLL_MS = 10;
    /** Longest line passed to the sink; longer output is cut into several lines. */
    private static final int MAX_LINE_BYTES = 4096;

    /** Receives each line a script prints. Called on the run's reader thread; must not block for long. */
    @FunctionalInterface
    public interface OutputSink {
        /** {@code text} was printed by script {@code script} (e.g. "start") of group {@code group}. */
        void line(String group, String script, String text);

        /** Every line as an info line of {@code log}: {@code group GROUP SCRIPT: TEXT}, one format for all. */
        static OutputSink to(final AgentLog log) {
            return (group, script, text) -> log.info("group " + group + " " + script + ": " + text);
        }
    }

    /**
     * How scripts are run.
     *
     * @param commandDir      the directory of the arm* commands, put first in PATH; null for none
     * @param socketPath      the agent's control socket, given as ARMD_SOCKET; null for none
     * @param killGraceMs     time between SIGTERM and SIGKILL of a timed-out script's process group
     * @param ownerMustBeRoot refuse scripts (and their directories) not owned by root
     */
    public record Settings(Path commandDir, Path socketPath, int killGraceMs, boolean ownerMustBeRoot) {
        /** Default grace period; root ownership required exactly when running as root. */
        public static Settings of(final Path commandDir, final Path socketPath) {
            return new Settings(commandDir, socketPath, DEFAULT_KILL_GRACE_MS, FileSafety.runningAsRoot());
        }
    }

    private final Settings settings;
    private final OutputSink sink;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        final Thread t = new Thread(r, "armd-script-timer");
        t.setDaemon(true);
        return t;
    });

    /** A runner; {@link #close} stops its timer thread. */
    public ScriptRunner(final Settings settings, final OutputSink sink) {
        this.settings = settings;
        this.sink = sink;
    }

    /**
     * The {@code ARMS_*} environment of a script run (docs/behaviour.md#script-environment), in the guide's order.
     *
     * @param event     START, FAILOVER or RECOVER
     * @param factor    why a stop script runs (CLUSTERSHUTDOWN, ...); null for a start script
     * @param server    HOME or OTHER
     * @param disk      SUCCESS or FAILURE
     * @param priority  1..16
     * @param groupName the group's name
     */
    public static Map<String, String> armsEnvironment(final String event, final String factor, final String server,
                                                      final String disk, final int priority,
                                                      final String groupName) {
        final Map<String, String> env = new LinkedHashMap<>();
        env.put("ARMS_EVENT", event);
        if (factor != null) {
            env.put("ARMS_FACTOR", factor);
        }
        env.put("ARMS_SERVER", server);
        env.put("ARMS_DISK", disk);
        env.put("ARMS_PRIORITY", Integer.toString(priority));
        env.put("ARMS_GROUPNAME", groupName);
        return env;
    }

    /**
     * Starts {@code script} and returns at once. The future completes (on a runner thread) when the script has
     * exited and its output has been read, or, after a timeout, once its process group has been killed; it
     * never completes exceptionally.
     *
     * @param group     the group's name, for the log
     * @param label     which script, for the log ("start" or "stop")
     * @param script    the script to run
     * @param arms      the {@code ARMS_*} variables, exactly (see {@link #armsEnvironment})
     * @param timeoutMs how long it may run
     */
    public CompletableFuture<ScriptResult> run(final String group, final String label, final Path script,
                                               final Map<String, String> arms, final int timeoutMs) {
        for (final String k : arms.keySet()) {
            if (!k.startsWith("ARMS_")) {
                throw new IllegalArgumentException("not an ARMS_ variable: " + k);
            }
        }
        final String unsafe = FileSafety.scriptProblem(script, settings.ownerMustBeRoot());
        if (unsafe != null) {
            return CompletableFuture.completedFuture(ScriptResult.notRun(ScriptResult.ExecStatus.REFUSED, unsafe));
        }
        final Path real;
        try {
            // run what was checked, not whatever a symbolic link points to by then
            real = script.toRealPath();
        } catch (IOException e) {
            return CompletableFuture.completedFuture(ScriptResult.notRun(ScriptResult.ExecStatus.REFUSED,
                "script " + script + ": " + e.getMessage()));
        }
        final ProcessBuilder pb = new ProcessBuilder(SETSID, "--wait", real.toString())
            .directory(new File("/"))
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .redirectErrorStream(true);
        final Map<String, String> env = pb.environment();
        env.clear();
        env.put("PATH", settings.commandDir() == null ? SYSTEM_PATH : settings.commandDir() + ":" + SYSTEM_PATH);
        if (settings.socketPath() != null) {
            env.put(SOCKET_VARIABLE, settings.socketPath().toString());
        }
        // which script is calling, for armlog's log line
        env.put(SCRIPT_VARIABLE, label);
        env.putAll(arms);
        final Process process;
        try {
            process = pb.start();
        } catch (IOException e) {
            return CompletableFuture.completedFuture(ScriptResult.notRun(ScriptResult.ExecStatus.COULD_NOT_START,
                "cannot start " + SETSID + " " + real + ": " + e.getMessage()));
        }
        final Run run = new Run(process, group, label, timeoutMs);
        run.start();
        return run.result;
    }

    /** Stops the timer thread. Scripts still running are left alone and their futures may never complete. */
    @Override
    public void close() {
        timer.shutdownNow();
    }

    /** One script run: its process, output reader, timeout and kill sequence. */
    private final class Run {
        private final Process process;
        /** setsid made the script a session and group leader: its pid is its process group id. */
        private final int pgid;
        private final String group;
        private final String label;
        private final int timeoutMs;
        final CompletableFuture<ScriptResult> result = new CompletableFuture<>();

        private ScheduledFuture<?> timeoutTask;
        private boolean exited;
        private int exitCode;
        private boolean outputDone;
        private boolean timedOut;
        private boolean killDone;
        private boolean sentKill;
        private long killDeadlineNs;
        private String firstLine;

        Run(final Process process, final String group, final String label, final int timeoutMs) {
            this.process = process;
            this.pgid = (int) process.pid();
            this.group = group;
            this.label = label;
            this.timeoutMs = timeoutMs;
        }

        void start() {
            final Thread reader = new Thread(this::readOutput, "armd-script-" + group + "-" + label);
            reader.setDaemon(true);
            reader.start();
            synchronized (this) {
                timeoutTask = timer.schedule(this::onTimeout, timeoutMs, TimeUnit.MILLISECONDS);
            }
            process.onExit().thenAccept(p -> onExit(p.exitValue()));
        }

        private void readOutput() {
            final byte[] buf = new byte[MAX_LINE_BYTES];
            int len = 0;
            try (InputStream in = process.getInputStream()) {
                int b;
                while ((b = in.read()) >= 0) {
                    if (b == '\n' || len == buf.length) {
                        emit(buf, len);
                        len = 0;
                        if (b == '\n') {
                            continue;
                        }
                    }
                    buf[len++] = (byte) b;
                }
            } catch (IOException e) {
                // the stream was closed under us: nothing more to read
            }
            if (len > 0) {
                emit(buf, len);
            }
            synchronized (this) {
                outputDone = true;
                maybeFinish();
            }
        }

        private void emit(final byte[] buf, final int len) {
            // bytes that are not UTF-8 are kept, and the log writes them escaped
            final String text = AgentLog.decode(buf, 0, len);
            synchronized (this) {
                if (firstLine == null) {
                    firstLine = text;
                }
            }
            try {
                sink.line(group, label, text);
            } catch (RuntimeException e) {
                // a failing sink must not stop the script's output from being drained
            }
        }

        private synchronized void onExit(final int code) {
            exited = true;
            exitCode = code;
            if (!timedOut) {
                timeoutTask.cancel(false);
            }
            if (!outputDone) {
                schedule(() -> {
                    synchronized (this) {
                        outputDone = true;
                        maybeFinish();
                    }
                }, DRAIN_MS);
            }
            maybeFinish();
        }

        private synchronized void onTimeout() {
            if (exited) {
                return;
            }
            timedOut = true;
            Signals.killGroup(pgid, Signals.SIGTERM);
            killDeadlineNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(settings.killGraceMs());
            schedule(this::pollGroup, POLL_MS);
        }

        /** Until the group is empty or the grace period is over; then SIGKILL whatever is left. */
        private synchronized void pollGroup() {
            final boolean empty = Signals.killGroup(pgid, 0) == -Errno.ESRCH;
            if (!empty && System.nanoTime() - killDeadlineNs < 0) {
                schedule(this::pollGroup, POLL_MS);
                return;
            }
            if (!empty) {
                Signals.killGroup(pgid, Signals.SIGKILL);
                sentKill = true;
            }
            killDone = true;
            maybeFinish();
        }

        private void schedule(final Runnable task, final long delayMs) {
            try {
                timer.schedule(task, delayMs, TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // the runner was closed: the run is abandoned
            }
        }

        private void maybeFinish() {
            if (!exited || !outputDone || (timedOut && !killDone) || result.isDone()) {
                return;
            }
            final ScriptResult r;
            if (timedOut) {
                r = ScriptResult.notRun(ScriptResult.ExecStatus.TIMEOUT, "still running after " + timeoutMs
                    + " ms: its process group got SIGTERM" + (sentKill ? ", then SIGKILL after "
                    + settings.killGraceMs() + " ms" : ""));
            } else if ((exitCode == 126 || exitCode == 127) && firstLine != null
                && firstLine.startsWith("setsid: failed to execute")) {
                r = ScriptResult.notRun(ScriptResult.ExecStatus.COULD_NOT_START, firstLine);
            } else {
                r = ScriptResult.done(exitCode);
            }
            result.complete(r);
        }
    }
}
