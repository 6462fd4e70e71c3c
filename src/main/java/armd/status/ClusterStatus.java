package armd.status;

import java.util.List;
import java.util.Map;

/**
 * The cluster as one agent sees it, taken at one moment on the agent thread.
 *
 * @param cluster     the cluster's name
 * @param server      the server this agent runs
 * @param state       this server's state (normal, isolated, ...)
 * @param takenAtMs   wall-clock time of the snapshot (ms since the epoch)
 * @param servers     every server, in the file's order
 * @param groups      every group, in the file's order
 * @param transitions the last script runs on this server, newest last
 * @param scripts     script runs on this server since the agent started, per group and script
 * @param detections  how long each peer found down here had been silent (ms), oldest first
 * @param heartbeats  what this agent's heartbeat reception accepted and dropped, or null when not known
 * @param superCluster the super cluster this server belongs to, or null when it runs without one
 */
public record ClusterStatus(String cluster, String server, String state, long takenAtMs, List<Server> servers,
                            List<Group> groups, List<Transition> transitions, List<ScriptStats> scripts,
                            List<Detection> detections, Heartbeats heartbeats, SuperCluster superCluster) {
    /** A status without a super cluster. */
    public ClusterStatus(final String cluster, final String server, final String state, final long takenAtMs,
                         final List<Server> servers, final List<Group> groups, final List<Transition> transitions,
                         final List<ScriptStats> scripts, final List<Detection> detections,
                         final Heartbeats heartbeats) {
        this(cluster, server, state, takenAtMs, servers, groups, transitions, scripts, detections, heartbeats, null);
    }

    /** This status with {@code s} as its super cluster part. */
    public ClusterStatus withSuperCluster(final SuperCluster s) {
        return new ClusterStatus(cluster, server, state, takenAtMs, servers, groups, transitions, scripts, detections,
            heartbeats, s);
    }

    /**
     * The super cluster as this server knows it.
     *
     * @param name      the super cluster's name
     * @param master    the master cluster's name
     * @param holder    the management server as this server knows it, or null when none is known
     * @param accepting whether the holder accepts configuration changes (it holds a majority of the master cluster)
     * @param note      why changes are not accepted, or how this server knows the holder; null when nothing to say
     * @param version   the version of this cluster's configuration this agent runs on (0: its own file)
     */
    public record SuperCluster(String name, String master, String holder, boolean accepting, String note,
                               long version) {
    }
    /**
     * Heartbeat frames received by this agent since it started, summed over its paths.
     *
     * @param accepted       authentic frames taken
     * @param dropped        frames refused, by reason (bad MAC, another cluster, replay, truncated, ...)
     * @param kernelDropped  frames the kernel dropped (its filter or a full receive buffer)
     * @param receiveErrors  failed receives
     * @param sendErrors     failed sends
     */
    public record Heartbeats(long accepted, Map<String, Long> dropped, long kernelDropped, long receiveErrors,
                             long sendErrors) {
    }

    /**
     * One server.
     *
     * @param name  its name
     * @param state its state as this agent sees it (normal, down, isolated, ...)
     * @param self  whether it is this agent's server
     * @param paths its heartbeat paths as this agent receives them (empty for this server)
     */
    public record Server(String name, String state, boolean self, List<Path> paths) {
    }

    /**
     * Heartbeats from one peer on one heartbeat network.
     *
     * @param index         the path (the address's position in [server] address)
     * @param address       the peer's address on it
     * @param received      heartbeats accepted
     * @param lost          heartbeats missing from the sequence (never received)
     * @param late          heartbeats that came more than twice the interval after the one before
     * @param lastHeardMsAgo time since the last one, or -1 when none came yet
     */
    public record Path(int index, String address, long received, long lost, long late, long lastHeardMsAgo) {
    }

    /**
     * One failover group.
     *
     * @param name             its name
     * @param state            online, starting, stopping, stopped, failed, offline, pending
     * @param runningOn        the server it is online on, or null
     * @param owner            the server the cluster's record gives it to, or null
     * @param wanted           whether the cluster wants it running (on its owner)
     * @param failoversHere    FAILOVER starts on this server since the agent started
     * @param monitorFailovers failovers caused by this server's monitors (the counter the limit applies to)
     * @param maxFailovers     that limit
     * @param resources        its resources as this server sees them
     * @param monitors         its monitors on this server
     * @param note             why it is not where its record says, seen from this server (a takeover waiting for
     *                         the old holder's address to stop answering, a failed start and why), or null
     */
    public record Group(String name, String state, String runningOn, String owner, boolean wanted, long failoversHere,
                        int monitorFailovers, int maxFailovers, List<Resource> resources, List<Monitor> monitors,
                        String note) {
    }

    /**
     * A resource of a group on this server.
     *
     * @param name  its [resource NAME]
     * @param type  ip, disk or nfs
     * @param state up, down or failed
     */
    public record Resource(String name, String type, String state) {
    }

    /**
     * A monitor of a group on this server.
     *
     * @param name  its [monitor NAME]
     * @param type  ping, disk, link, ...
     * @param state off (group not online here), watching, failed, unusable
     */
    public record Monitor(String name, String type, String state) {
    }

    /**
     * One script run on this server: a transition of a group.
     *
     * @param atMs       when it started (ms since the epoch)
     * @param group      the group
     * @param script     start or stop
     * @param arms       its ARMS_* variables
     * @param result     ok, failed, timeout, refused, not started, running
     * @param exitCode   its exit code, or -1
     * @param durationMs how long it ran, or -1 while it runs
     */
    public record Transition(long atMs, String group, String script, Map<String, String> arms, String result,
                             int exitCode, long durationMs) {
    }

    /**
     * Script runs of one group and script since the agent started.
     *
     * @param group         the group
     * @param script        start or stop
     * @param runs          finished runs
     * @param failures      runs that did not succeed
     * @param lastExitCode  the exit code of the last run, or -1
     * @param totalMs       their summed duration
     */
    public record ScriptStats(String group, String script, long runs, long failures, int lastExitCode,
                              long totalMs) {
    }

    /**
     * A peer declared down by this agent.
     *
     * @param server    the peer
     * @param atMs      when (ms since the epoch)
     * @param latencyMs how long it had been silent on every path then
     */
    public record Detection(String server, long atMs, long latencyMs) {
    }
}
