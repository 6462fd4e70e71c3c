package armd.base;

/** An operator-facing failure: a one-line message (no stack trace) and the exit code to leave with. */
public class OperatorException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int exitCode;

    /** {@code message} names the file:line, device, interface or address, and what to do. */
    public OperatorException(final int exitCode, final String message) {
        super(message);
        this.exitCode = exitCode;
    }

    /** One of {@link Exit}. */
    public int exitCode() {
        return exitCode;
    }

    /** A command-line mistake: exit 2. */
    public static OperatorException usage(final String message) {
        return new OperatorException(Exit.USAGE, message);
    }

    /**
     * Why a file operation failed, in words (the JDK's message of an access error is the bare path):
     * "permission denied", "no such file or directory", the system's reason, else the message.
     */
    public static String reason(final java.io.IOException e) {
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof java.nio.file.NoSuchFileException) {
            return "no such file or directory";
        }
        if (e instanceof java.nio.file.FileSystemException f && f.getReason() != null) {
            return f.getReason();
        }
        return String.valueOf(e.getMessage());
    }

    /** A system-level failure: exit 3. */
    public static OperatorException system(final String message) {
        return new OperatorException(Exit.SYSTEM, message);
    }
}
