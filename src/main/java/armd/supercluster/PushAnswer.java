package armd.supercluster;

import armd.base.Exit;
import armd.wire.SuperFrame;

/**
 * How a push ended, for an operator: the exit code and the text that {@code armd config push} prints and
 * {@code armconf push} gets back from its agent. 0 accepted (or unchanged), 1 refused or not confirmed, 2 the
 * configuration has problems, 3 no master server answered.
 *
 * @param exit the exit code ({@link Exit})
 * @param text one line, or the problems one a line
 */
public record PushAnswer(int exit, String text) {
    /** The answer to a push of {@code cluster} that got {@code reply}. */
    public static PushAnswer of(final String cluster, final SuperClient.Reply reply) {
        if (!reply.answered()) {
            return new PushAnswer(Exit.SYSTEM, "cluster " + cluster + ": not pushed: no management server answers ("
                + String.join("; ", reply.tried()) + "); the clusters keep running on what they have, and no "
                + "configuration can change until a master server is up");
        }
        if (!(reply.body() instanceof SuperFrame.PushResult r)) {
            return new PushAnswer(Exit.SYSTEM, "cluster " + cluster + ": " + reply.from().name() + " answered "
                + reply.body().type() + " to a push");
        }
        final String from = " (" + reply.from().name() + ")";
        return switch (r.outcome()) {
            case ACCEPTED -> new PushAnswer(Exit.OK, r.stored() == 0 ? "cluster " + cluster + ": " + r.reason() + from
                : "cluster " + cluster + ": version " + r.version() + " stored on " + r.stored() + " of "
                + r.masters() + " master servers" + from);
            case NOT_CONFIRMED, NOT_HOLDER, NO_MAJORITY, STALE_BASE, TOO_BIG ->
                new PushAnswer(Exit.FAULT, "cluster " + cluster + ": " + r.reason() + from);
            case INVALID -> new PushAnswer(Exit.USAGE, "cluster " + cluster + ": " + r.reason() + from);
        };
    }
}
