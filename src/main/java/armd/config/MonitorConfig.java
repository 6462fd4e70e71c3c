package armd.config;

import armd.cluster.Destination;
import armd.cluster.FailureAction;

import java.net.InetAddress;
import java.nio.file.Path;

/**
 * One {@code [monitor NAME]} section: what a resource monitor watches, how often, and what its group does when
 * the resource fails (docs/behaviour.md#resource-monitoring). Immutable.
 *
 * @param name          the monitor's name (unique in the file)
 * @param line          the line of its section header, for messages
 * @param group         the id of the group it belongs to
 * @param intervalMs    time between two probes (event monitors: between two re-checks of the known state)
 * @param timeoutMs     how long one probe may take before it counts as failed
 * @param failures      consecutive failed probes before the resource counts as failed
 * @param when          at activation, while online, or both
 * @param action        fail the group over, or stop it
 * @param destination   where a failover sends the group
 * @param resetAfterMs  after a failure, the resource normal this long is "normal again" (failover counter reset)
 * @param target        what is monitored, by type
 */
public record MonitorConfig(String name, int line, int group, int intervalMs, int timeoutMs, int failures,
                            When when, FailureAction action, Destination destination, int resetAfterMs,
                            Target target) {

    /** When a monitor runs (docs/behaviour.md#monitor-types). */
    public enum When {
        /** Once when the group comes online, before it counts as started. */
        ACTIVATION,
        /** Periodically (or on events) while the group is online. */
        ONLINE,
        /** Both. */
        BOTH;

        /** Runs at activation. */
        public boolean atActivation() {
            return this != ONLINE;
        }

        /** Runs while online. */
        public boolean whileOnline() {
            return this != ACTIVATION;
        }
    }

    /** This monitor in group {@code groupId} (the same group under another configuration's numbering). */
    public MonitorConfig withGroup(final int groupId) {
        return new MonitorConfig(name, line, groupId, intervalMs, timeoutMs, failures, when, action, destination,
            resetAfterMs, target);
    }

        /** The monitor's type as written in the file. */
    public String type() {
        return target.type();
    }

    /** What a monitor watches: one record per {@code type}. */
    public sealed interface Target {
        /** The {@code type} value of the section. */
        default String type() {
            return switch (this) {
                case Ping _ -> "ping";
                case Nfs _ -> "nfs";
                case Disk _ -> "disk";
                case Partition _ -> "partition";
                case Ip _ -> "ip";
                case Script _ -> "script";
                case Link _ -> "link";
                case Process _ -> "process";
            };
        }
    }

    /** ICMP echo to {@code address} (public LAN; the default gateway is the recommended target). */
    public record Ping(InetAddress address, String interfaceName) implements Target {
    }

    /** ICMP echo to the NFS server. */
    public record Nfs(InetAddress server) implements Target {
    }

    /** SCSI TEST UNIT READY on a shared disk. */
    public record Disk(String device) implements Target {
    }

    /**
     * O_DIRECT write and read back of this server's own sector of the cluster partition: sector
     * {@code sector + server id}, in the device's logical sector size.
     */
    public record Partition(String device, long sector) implements Target {
    }

    /** The floating IP {@code address} on {@code interfaceName}. */
    public record Ip(InetAddress address, String interfaceName) implements Target {
    }

    /** A command (an executable file) whose exit code not 0 is a failure. */
    public record Script(Path command) implements Target {
    }

    /** The link state of an interface, from rtnetlink events: carrier lost or admin down is a failure. */
    public record Link(String interfaceName) implements Target {
    }

    /** The process whose pid is in {@code pidfile}, watched through a pidfd: its exit is a failure. */
    public record Process(Path pidfile) implements Target {
    }
}
