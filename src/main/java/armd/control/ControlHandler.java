package armd.control;

/**
 * What the agent does for each control request. Called only on the control thread ({@code armd-control}),
 * one request at a time, so an implementation needs no locking of its own for the calls themselves.
 * {@code handle} must return quickly: it completes {@code reply} now or later from any thread (a group
 * move completes when its scripts have run). The server answers {@link ControlStatus#TIMEOUT} when the
 * reply is not completed within its deadline; a late completion is then ignored.
 */
@FunctionalInterface
public interface ControlHandler {
    /** Acts on {@code request} from {@code peer} (already checked: root or the agent's own user). */
    void handle(ControlRequest request, PeerCredentials peer, ControlReply reply);
}
