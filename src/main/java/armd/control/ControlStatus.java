package armd.control;

import armd.wire.ControlCodec;

/** The status of a control reply; {@link #code()} is the wire value (arm_status in arm_protocol.h). */
public enum ControlStatus {
    /** Done: exit 0. */
    OK(ControlCodec.ST_OK),
    /** Not allowed now, or not for this caller: exit 1. */
    REFUSED(ControlCodec.ST_REFUSED),
    /** Tried and failed (a script failed, a resource fault): exit 1. */
    FAULT(ControlCodec.ST_FAULT),
    /** Bad arguments: exit 2. */
    USAGE(ControlCodec.ST_USAGE),
    /** No such group or server: exit 2. */
    UNKNOWN(ControlCodec.ST_UNKNOWN),
    /** A system error in the agent: exit 3. */
    SYSTEM(ControlCodec.ST_SYSTEM),
    /** The agent did not finish within its deadline: exit 1. */
    TIMEOUT(ControlCodec.ST_TIMEOUT),
    /** The request was malformed or of another protocol version: exit 3. */
    PROTOCOL(ControlCodec.ST_PROTOCOL);

    private final int code;

    ControlStatus(final int code) {
        this.code = code;
    }

    /** The wire value. */
    public int code() {
        return code;
    }

    /** The exit code a command leaves with for this status. */
    public int exitCode() {
        return ControlCodec.exitCode(code);
    }

    /** The status of wire value {@code code}; an unknown value reads as {@link #FAULT}. */
    public static ControlStatus of(final int code) {
        for (final ControlStatus s : values()) {
            if (s.code == code) {
                return s;
            }
        }
        return FAULT;
    }
}
