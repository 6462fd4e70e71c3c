package armd.agent;

import armd.base.AgentLog;
import armd.config.ClusterConfig;
import armd.sys.Errno;
import armd.sys.Pipes;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The agent's side of its guardian ({@code armguard}, the native parent process that outlives the JVM): what to
 * release if this agent dies without stopping cleanly, told once at start and again whenever it changes, over
 * the pipe whose descriptor is in {@code ARMD_GUARD_FD} (protocol: armguard's usage text and
 * docs/failure-model.md).
 *
 * <p>Everything the configuration could make this server hold is listed (every floating address and every
 * mount point of every group): releasing something not held is harmless, while a list kept in step with each
 * activation could lag behind one by a crash. The "gone" datagrams are pre-signed heartbeat frames of this
 * incarnation, so the guardian needs no key. Thread-safe (calls are rare: start, an incarnation change, the
 * clean stop).
 */
public final class Guardian {
    /** Environment variable naming the descriptor of the pipe to the guardian. */
    public static final String FD_VARIABLE = "ARMD_GUARD_FD";
    /** A line is written whole by one write(2) when it is at most this long (the pipe's atomic size). */
    private static final int MAX_LINE = 4096;

    private final int fd;
    private final AgentLog log;
    private final ClusterConfig config;
    private boolean broken;

    private Guardian(final int fd, final ClusterConfig config, final AgentLog log) {
        this.fd = fd;
        this.config = config;
        this.log = log;
    }

    /**
     * The guardian named by the environment, or null when there is none (the agent was started without its
     * launcher); says which in the log.
     */
    public static Guardian fromEnvironment(final ClusterConfig config, final AgentLog log) {
        final String v = System.getenv(FD_VARIABLE);
        if (v == null || v.isBlank()) {
            log.line("no guardian (" + FD_VARIABLE + " unset: started without the armd launcher): if this agent is "
                + "killed, its floating addresses stay up until it starts again, and peers wait for them to go");
            return null;
        }
        final int fd;
        try {
            fd = Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            log.line("ERROR: " + FD_VARIABLE + "='" + v + "' is not a descriptor number: running without a guardian");
            return null;
        }
        Pipes.closeOnExec(fd);
        return new Guardian(fd, config, log);
    }

    /**
     * Tells the guardian everything to release and the datagrams that say this agent is gone, then arms it; the
     * first call opens the protocol. Called again (after {@code reset}) when they change.
     */
    public synchronized void arm(final List<UdpHeartbeatLink.Datagram> gone, final boolean first) {
        final List<String> lines = new ArrayList<>();
        lines.add(first ? "armguard 1" : "reset");
        lines.add("action " + config.actions().crashAction().name().toLowerCase(java.util.Locale.ROOT));
        for (final ClusterConfig.Group g : config.groups()) {
            for (final ClusterConfig.Resource r : g.resources()) {
                if (r instanceof ClusterConfig.FloatingIp ip) {
                    lines.add("release-ip " + ip.interfaceName() + " " + ip.cidr());
                }
            }
            for (final Path mp : g.mountPoints()) {
                lines.add("release-mount " + mp);
            }
        }
        for (final UdpHeartbeatLink.Datagram d : gone) {
            final InetSocketAddress to = d.destination();
            // a link-local destination names its interface as a zone: fe80::12%eth1 (armguard's format)
            lines.add("gone " + armd.wire.RtnlAddr.text(to.getAddress())
                + (d.interfaceName() == null ? "" : "%" + d.interfaceName()) + " " + to.getPort() + " "
                + HexFormat.of().formatHex(d.payload()));
        }
        lines.add("armed");
        for (final String l : lines) {
            send(l);
        }
        if (first) {
            log.line("guardian armed: if this agent dies it releases " + (lines.size() - 3 - gone.size())
                + " resource(s), then tells " + gone.size() + " peer address(es) it is gone (crash-action "
                + config.actions().crashAction().name().toLowerCase(java.util.Locale.ROOT) + ")");
        }
    }

    /** The agent stops cleanly (its groups are stopped): the guardian releases nothing when it exits. */
    public synchronized void disarm() {
        send("disarm");
    }

    private void send(final String line) {
        final byte[] bytes = (line + "\n").getBytes(StandardCharsets.UTF_8);
        if (bytes.length > MAX_LINE || broken) {
            if (!broken) {
                log.line("ERROR: guardian line of " + bytes.length + " bytes is over " + MAX_LINE + ": not sent");
            }
            return;
        }
        final long rc = Pipes.write(fd, bytes);
        if (rc != bytes.length) {
            broken = true;
            log.line("ERROR: the guardian does not listen any more (" + (rc < 0 ? Errno.describe((int) -rc)
                : "short write") + "): if this agent dies, its floating addresses stay up until it starts again");
        }
    }
}
