package armd.bench;

import armd.it.Netns;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The failover harness's network: a hub namespace with a bridge, and the client, nodeA and nodeB namespaces each
 * joined to it by a veth ({@code eth0} inside, fixed MACs), addresses from 192.0.2.0/24. Names start with the
 * run's prefix, so a cleanup (this class's, or failover.sh's trap) finds everything by it. {@link #close()} ends
 * every process inside the namespaces (by PID) and removes them; it is safe to call twice and from a shutdown
 * hook.
 */
final class FailoverNet implements AutoCloseable {
    static final String CLIENT_IP = "192.0.2.5";
    static final String A_IP = "192.0.2.11";
    static final String B_IP = "192.0.2.12";
    static final String VIP = "192.0.2.100";
    static final String A_MAC = "02:00:00:00:00:11";
    static final String B_MAC = "02:00:00:00:00:12";
    static final String CLIENT_MAC = "02:00:00:00:00:05";
    /** The nftables table of the partition fault. */
    static final String PARTITION_TABLE = "failover_partition";

    private final String prefix;
    private final List<String> made = new ArrayList<>();
    private boolean closed;

    FailoverNet(final String prefix) {
        this.prefix = prefix;
    }

    String hub() {
        return prefix + "-hub";
    }

    String client() {
        return prefix + "-cli";
    }

    String nodeA() {
        return prefix + "-na";
    }

    String nodeB() {
        return prefix + "-nb";
    }

    /** Makes the namespaces, bridge and veths. */
    synchronized void create() throws IOException {
        namespace(hub());
        Netns.run("ip", "-n", hub(), "link", "add", "br0", "type", "bridge");
        Netns.run("ip", "-n", hub(), "link", "set", "br0", "up");
        join(client(), "c", CLIENT_MAC, CLIENT_IP);
        join(nodeA(), "a", A_MAC, A_IP);
        join(nodeB(), "b", B_MAC, B_IP);
    }

    private void namespace(final String ns) throws IOException {
        Netns.run("ip", "netns", "add", ns);
        made.add(ns);
        Netns.run("ip", "-n", ns, "link", "set", "lo", "up");
        // IPv6 only adds noise (DAD, router solicitations) to a test of an IPv4 address
        Netns.run("ip", "netns", "exec", ns, "sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1");
    }

    private void join(final String ns, final String tag, final String mac, final String ip) throws IOException {
        namespace(ns);
        final String inside = prefix + tag + "0";
        final String port = prefix + tag + "1";
        Netns.run("ip", "link", "add", inside, "type", "veth", "peer", "name", port);
        Netns.run("ip", "link", "set", inside, "netns", ns);
        Netns.run("ip", "link", "set", port, "netns", hub());
        Netns.run("ip", "-n", ns, "link", "set", inside, "name", "eth0");
        Netns.run("ip", "-n", ns, "link", "set", "eth0", "address", mac);
        Netns.run("ip", "-n", ns, "link", "set", "eth0", "up");
        Netns.run("ip", "-n", ns, "addr", "add", ip + "/24", "dev", "eth0");
        Netns.run("ip", "-n", hub(), "link", "set", port, "master", "br0");
        Netns.run("ip", "-n", hub(), "link", "set", port, "up");
    }

    /**
     * Between two measurements: ends every process in the node namespaces, removes the partition table, sets
     * nodeA's link up and removes the virtual IP from both nodes.
     */
    void reset() throws IOException {
        killAll(nodeA());
        killAll(nodeB());
        Netns.tryRun("ip", "netns", "exec", nodeA(), "nft", "delete", "table", "netdev", PARTITION_TABLE);
        Netns.tryRun("ip", "-n", nodeA(), "link", "set", "eth0", "up");
        Netns.tryRun("ip", "-n", nodeA(), "addr", "del", VIP + "/24", "dev", "eth0");
        Netns.tryRun("ip", "-n", nodeB(), "addr", "del", VIP + "/24", "dev", "eth0");
    }

    /** Which nodes hold the virtual IP now ("A", "B", "AB" or ""). */
    String holders() throws IOException {
        return (Netns.run("ip", "-n", nodeA(), "-o", "addr", "show", "dev", "eth0").contains(VIP + "/") ? "A" : "")
            + (Netns.run("ip", "-n", nodeB(), "-o", "addr", "show", "dev", "eth0").contains(VIP + "/") ? "B" : "");
    }

    /** The PIDs of the processes in {@code ns} (none when it does not exist). */
    static List<Long> pids(final String ns) throws IOException {
        final Netns.Result r = Netns.tryRun("ip", "netns", "pids", ns);
        final List<Long> out = new ArrayList<>();
        if (r.exitCode() == 0) {
            for (final String l : r.stdout().split("\\s+")) {
                if (!l.isBlank()) {
                    out.add(Long.parseLong(l.strip()));
                }
            }
        }
        return out;
    }

    /** SIGKILL to every process in {@code ns} (all of them this harness's), then waits up to 10 s for them. */
    static void killAll(final String ns) throws IOException {
        final List<Long> pids = pids(ns);
        for (final long pid : pids) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        for (final long pid : pids) {
            while (alive(pid) && System.nanoTime() - deadline < 0) {
                sleepMs(5);
            }
        }
    }

    /** Whether {@code pid} runs (exists and is not a zombie). */
    static boolean alive(final long pid) {
        try {
            final String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    static void sleepMs(final long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /**
     * A fault made ready ahead of time, so that injecting it is one write to a process already running (no fork,
     * exec or parse inside the measured time): {@code ip -batch -} for the link, {@code nft -f -} for the
     * partition (the rules are written ahead; closing its input commits them).
     */
    static final class ArmedFault implements AutoCloseable {
        private final Process process;
        private final byte[] trigger;

        private ArmedFault(final Process process, final byte[] trigger) {
            this.process = process;
            this.trigger = trigger;
        }

        /** Injects the fault: writes the trigger (empty: closes the input). */
        void fire() throws IOException {
            final OutputStream in = process.getOutputStream();
            if (trigger.length > 0) {
                in.write(trigger);
                in.flush();
            } else {
                in.close();
            }
        }

        /** Waits (bounded) for the command to finish; returns its exit code, or -1 when it had to be killed. */
        int finish() throws IOException {
            try {
                process.getOutputStream().close();
            } catch (IOException ignored) {
                // already closed by fire()
            }
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    process.waitFor(10, TimeUnit.SECONDS);
                    return -1;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
            return process.exitValue();
        }

        String errors() throws IOException {
            return new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        }

        @Override
        public void close() {
            if (process.isAlive()) {
                process.destroyForcibly();
            }
        }
    }

    /** nodeA's link set down, inside nodeA, by an {@code ip -batch -} started now. */
    ArmedFault armLinkDown(final Path log) throws IOException {
        final Process p = new ProcessBuilder("ip", "-n", nodeA(), "-batch", "-")
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        return new ArmedFault(p, "link set eth0 down\n".getBytes(StandardCharsets.US_ASCII));
    }

    /**
     * Everything in and out of nodeA's eth0 dropped at the netdev ingress and egress hooks (ARP too; the carrier
     * stays up), by an {@code nft -f -} in nodeA started now with the ruleset already written.
     */
    ArmedFault armPartition(final Path log) throws IOException {
        final Process p = new ProcessBuilder("ip", "netns", "exec", nodeA(), "nft", "-f", "-")
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        final String rules = "table netdev " + PARTITION_TABLE + " {\n"
            + "  chain in { type filter hook ingress device \"eth0\" priority -500; policy drop; }\n"
            + "  chain out { type filter hook egress device \"eth0\" priority -500; policy drop; }\n"
            + "}\n";
        p.getOutputStream().write(rules.getBytes(StandardCharsets.US_ASCII));
        p.getOutputStream().flush();
        return new ArmedFault(p, new byte[0]);
    }

    /** Ends every process in the run's namespaces and removes them; never throws; a second call does nothing. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (final String ns : made) {
            try {
                killAll(ns);
            } catch (IOException | RuntimeException ignored) {
                // best effort: the namespace removal below still runs
            }
        }
        for (final String ns : made.reversed()) {
            try {
                Netns.tryRun("ip", "netns", "del", ns);
            } catch (IOException ignored) {
                // best effort: failover.sh's trap tries again by prefix
            }
        }
    }
}
