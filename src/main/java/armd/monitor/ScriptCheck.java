package armd.monitor;

import armd.action.ScriptResult;
import armd.action.ScriptRunner;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The script monitor: runs a command through {@link ScriptRunner} (own process group, clean environment with
 * ARMS_GROUPNAME, killed at the timeout); an exit code other than 0, a timeout or a failure to start is a
 * failure. A command the runner refuses to run (writable by others, not owned by root) is a configuration error.
 */
final class ScriptCheck implements Check {
    /** Beyond timeout + kill grace, how long to wait for the runner's verdict before giving up on this run. */
    private static final long VERDICT_SLACK_MS = 5_000;

    private final ScriptRunner runner;
    private final String groupName;
    private final String label;
    private final Path command;
    private final int timeoutMs;
    private final long waitMs;
    private String why;

    ScriptCheck(final ScriptRunner runner, final String groupName, final String monitorName, final Path command,
                final int timeoutMs, final int killGraceMs) {
        this.runner = runner;
        this.groupName = groupName;
        this.label = "monitor " + monitorName;
        this.command = command;
        this.timeoutMs = timeoutMs;
        this.waitMs = (long) timeoutMs + killGraceMs + VERDICT_SLACK_MS;
    }

    @Override
    public int probe() {
        final ScriptResult r;
        try {
            r = runner.run(groupName, label, command, Map.of("ARMS_GROUPNAME", groupName), timeoutMs)
                .get(waitMs, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            why = command + ": interrupted";
            return FAILED;
        } catch (ExecutionException | TimeoutException e) {
            why = command + ": no verdict from the script runner within " + waitMs + " ms";
            return FAILED;
        }
        if (r.succeeded()) {
            return HEALTHY;
        }
        why = command + ": " + r.reason();
        return r.status() == ScriptResult.ExecStatus.REFUSED ? UNUSABLE : FAILED;
    }

    @Override
    public String reason() {
        return why;
    }

    @Override
    public void close() {
        // nothing held between runs
    }
}
