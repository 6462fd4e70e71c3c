package armd.supercluster;

import armd.wire.SuperFrame;

/**
 * A frame for the runtime to send: to the master server named {@code to}, with {@code nonce} (a request's fresh
 * nonce, or the echoed nonce of the request it answers) and {@code body}.
 */
public record Outgoing(String to, long nonce, SuperFrame.Body body) {
}
