package armd.monitor;

/**
 * One probe of a periodically probed resource (ping, NFS, disk, partition, script, and ip at activation).
 * Runs on its monitor's own thread and may block up to the monitor's timeout.
 */
interface Check extends AutoCloseable {
    /** The resource answered as expected. */
    int HEALTHY = 0;
    /** The resource failed this probe. */
    int FAILED = 1;
    /** The resource cannot be monitored this way here (a configuration error): the monitor stops. */
    int UNUSABLE = 2;

    /** Probes once: {@link #HEALTHY}, {@link #FAILED} or {@link #UNUSABLE}. Steady state allocates nothing. */
    int probe();

    /** Why the last probe was not healthy, one line; may allocate (called only to report). */
    String reason();

    /** Frees what the check holds; idempotent. */
    @Override
    void close();
}
