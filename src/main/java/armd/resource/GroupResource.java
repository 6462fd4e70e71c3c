package armd.resource;

import armd.config.ClusterConfig;

/** One resource of a group, activated and released on the group's worker thread (never on the agent's). */
sealed interface GroupResource permits FloatingIpResource, DiskResource, NfsResource {
    /** Its configuration. */
    ClusterConfig.Resource config();

    /**
     * Brings it up; returns null on success, else one line saying what failed and what to do. Never throws for
     * an expected failure; logs its own steps.
     */
    String activate(GroupContext a);

    /** Releases it; something already absent is fine. Logs what it did; never throws for an expected failure. */
    void deactivate(GroupContext a);

    /** Whether it is up on this host now (the address on its interface, the file system mounted). */
    boolean held();
}
