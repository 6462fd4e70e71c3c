package armd.control;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * The answer to one control request: a status and a text (a one-line message, or the requested text such
 * as status output). Thread-safe; completes once: later completions return {@code false} and are ignored.
 */
public final class ControlReply {
    /** A completed reply's content. */
    public record Result(ControlStatus status, String text) {
        /** {@code text} may not be null. */
        public Result {
            Objects.requireNonNull(status, "status");
            Objects.requireNonNull(text, "text");
        }
    }

    private final CompletableFuture<Result> result = new CompletableFuture<>();

    /** Completes with {@code status} and {@code text}; {@code false} when already completed. */
    public boolean complete(final ControlStatus status, final String text) {
        return result.complete(new Result(status, text == null ? "" : text));
    }

    /** Done; {@code text} is printed by the command (may be empty). */
    public boolean ok(final String text) {
        return complete(ControlStatus.OK, text);
    }

    /** Not allowed now (wrong state, already running): exit 1. */
    public boolean refused(final String message) {
        return complete(ControlStatus.REFUSED, message);
    }

    /** Tried and failed (a script failed): exit 1. */
    public boolean fault(final String message) {
        return complete(ControlStatus.FAULT, message);
    }

    /** Bad arguments: exit 2. */
    public boolean usage(final String message) {
        return complete(ControlStatus.USAGE, message);
    }

    /** No such group or server: exit 2. */
    public boolean unknown(final String message) {
        return complete(ControlStatus.UNKNOWN, message);
    }

    /** A system error: exit 3. */
    public boolean system(final String message) {
        return complete(ControlStatus.SYSTEM, message);
    }

    /** Whether the reply is completed. */
    public boolean isDone() {
        return result.isDone();
    }

    /** Runs {@code action} once the reply is completed (at once, on this thread, when it already is). */
    void whenDone(final Runnable action) {
        result.whenComplete((r, e) -> action.run());
    }

    /** The result of a completed reply. */
    Result result() {
        return result.getNow(new Result(ControlStatus.SYSTEM, "internal error: no result"));
    }
}
