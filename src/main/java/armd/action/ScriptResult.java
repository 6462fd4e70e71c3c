package armd.action;

/**
 * How a start or stop script run ended: whether it ran to the end ({@link ExecStatus}) kept apart from what it
 * returned ({@code exitCode}, meaningful for {@link ExecStatus#DONE} only).
 *
 * @param status   whether and how the script ran
 * @param exitCode the exit code when {@code status} is DONE (128+N when killed by signal N), else -1
 * @param reason   one line for the log: the exit code, the timeout, or why it did not run
 */
public record ScriptResult(ExecStatus status, int exitCode, String reason) {

    /** Whether the script ran, and how it stopped running. */
    public enum ExecStatus {
        /** It ran and exited by itself: see the exit code. */
        DONE,
        /** It ran past its timeout; its whole process group was killed. */
        TIMEOUT,
        /** It could not be executed (no interpreter, exec failure). */
        COULD_NOT_START,
        /** It was not run: not a regular file, not executable, writable by others, or not owned by root. */
        REFUSED
    }

    /** Ran to the end and exited 0: for a start script, a successful activation. */
    public boolean succeeded() {
        return status == ExecStatus.DONE && exitCode == 0;
    }

    static ScriptResult done(final int exitCode) {
        return new ScriptResult(ExecStatus.DONE, exitCode, exitCode > 128
            ? "exited with code " + exitCode + " (killed by signal " + (exitCode - 128) + "?)"
            : "exited with code " + exitCode);
    }

    /** A script that did not run: refused, or could not be started. */
    public static ScriptResult notRun(final ExecStatus status, final String reason) {
        return new ScriptResult(status, -1, reason);
    }
}
