package armd.cluster;

/** ARMS_EVENT (docs/behaviour.md#start-events): why a start script runs; a stop script shows the start run's value. */
public enum ArmsEvent {
    START, FAILOVER, RECOVER;

    private static final ArmsEvent[] VALUES = values();

    /** The event with wire code {@code code}, or START for an unknown code. */
    public static ArmsEvent of(final int code) {
        return code >= 0 && code < VALUES.length ? VALUES[code] : START;
    }
}
