package armd.bench;

import armd.it.Netns;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * One pair of agents of a harness row, nodeA holding the virtual IP first: two {@code armd run} agents or two
 * keepalived daemons (VRRPv3, unicast peers). {@link #start} launches both; {@link #crashPid()} is the process the
 * kill -9 fault ends; the driver ends the rest by killing everything in the node namespaces.
 */
abstract class FailoverPair {
    /** How a row configures its pair. */
    sealed interface Setup permits Armd, Keepalived {
        /** The row's name in the tables and on the command line. */
        String name();

        /** The row's settings, in words. */
        String settings();
    }

    /**
     * armd with a heartbeat interval and timeout and the floating IP's ARP probe; {@code arpProbes == 0} leaves the
     * probe at its defaults.
     */
    record Armd(String name, int intervalMs, int timeoutMs, int arpProbes, int arpProbeWaitMs) implements Setup {
        @Override
        public String settings() {
            return "unicast heartbeat " + intervalMs + " ms / " + timeoutMs + " ms, ARP probe "
                + (arpProbes == 0 ? "default (3 probes 2 ms apart + 6 ms)"
                    : arpProbes + " probe" + (arpProbes > 1 ? "s" : "") + " + " + arpProbeWaitMs + " ms");
        }
    }

    /** keepalived with an advertisement interval in ms. */
    record Keepalived(String name, int advertMs) implements Setup {
        @Override
        public String settings() {
            return "VRRPv3 unicast, advert_int " + String.format(Locale.ROOT, "%.2f", advertMs / 1000.0)
                + " (" + advertMs + " ms), nodeA MASTER priority 200, nodeB BACKUP 100";
        }
    }

    protected final FailoverNet net;
    protected final Path dir;
    protected final List<Process> launched = new ArrayList<>();

    protected FailoverPair(final FailoverNet net, final Path dir) {
        this.net = net;
        this.dir = dir;
    }

    /** The pair of a row; {@code dir} is the run's work directory (root only, 0700). */
    static FailoverPair of(final Setup setup, final FailoverNet net, final Path dir, final Path armd,
                           final String keepalived) throws IOException {
        return switch (setup) {
            case Armd a -> new ArmdPair(a, net, dir, armd);
            case Keepalived k -> new KeepalivedPair(k, net, dir, keepalived);
        };
    }

    /** Launches both agents, nodeA first; {@code tag} names this start's logs and state. */
    abstract void start(String tag) throws IOException;

    /** The process a kill -9 fault ends: the agent that holds the virtual IP on nodeA. */
    abstract long crashPid() throws IOException;

    /** The processes of node {@code a ? A : B}'s agent (for the footprint). */
    abstract List<Long> processes(boolean a) throws IOException;

    /** Which process {@link #crashPid()} is, in words. */
    abstract String crashTarget();

    /** Forgets the processes of the last start (the driver has killed them). */
    void reap() {
        for (final Process p : launched) {
            try {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        launched.clear();
    }

    protected Process launch(final Path log, final String... cmd) throws IOException {
        final Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        launched.add(p);
        return p;
    }

    /** Two {@code armd run} agents, nodeA and nodeB, one group with the virtual IP, nodeA first. */
    static final class ArmdPair extends FailoverPair {
        private final Path armd;
        private final Path config;

        ArmdPair(final Armd setup, final FailoverNet net, final Path dir, final Path armd) throws IOException {
            super(net, dir);
            this.armd = armd;
            this.config = dir.resolve(setup.name() + ".conf");
            final Path key = dir.resolve("armd.key");
            if (!Files.exists(key)) {
                Netns.run(armd.toString(), "keygen", key.toString());
            }
            for (final String s : new String[] {"start.sh", "stop.sh"}) {
                final Path script = dir.resolve(s);
                if (!Files.exists(script)) {
                    Files.writeString(script, "#!/bin/sh\nexit 0\n", StandardCharsets.US_ASCII);
                    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
                }
            }
            final StringBuilder c = new StringBuilder()
                .append("# failover harness, row ").append(setup.name()).append('\n')
                .append("[cluster]\nname = failover\nkey-file = armd.key\n\n")
                // the defaults are left out on purpose: the row measures them
                .append("[heartbeat]\n");
            if (setup.intervalMs() != 10 || setup.timeoutMs() != 100) {
                c.append("interval = ").append(setup.intervalMs()).append("ms\ntimeout = ")
                    .append(setup.timeoutMs()).append("ms\n");
            }
            c.append("\n[server nodeA]\naddress = ").append(FailoverNet.A_IP).append("\n\n")
                .append("[server nodeB]\naddress = ").append(FailoverNet.B_IP).append("\n\n")
                .append("[group G]\npolicy = nodeA, nodeB\nstart = start.sh\nstop = stop.sh\n\n")
                .append("[resource vip]\ngroup = G\ntype = ip\naddress = ").append(FailoverNet.VIP)
                .append("/24\ninterface = eth0\n");
            if (setup.arpProbes() > 0) {
                c.append("arp-probes = ").append(setup.arpProbes()).append("\narp-probe-wait = ")
                    .append(setup.arpProbeWaitMs()).append("ms\n");
            }
            Files.writeString(config, c.toString(), StandardCharsets.US_ASCII);
        }

        @Override
        void start(final String tag) throws IOException {
            for (final boolean a : new boolean[] {true, false}) {
                final String node = a ? "nodeA" : "nodeB";
                launch(dir.resolve(tag + "-" + node + ".log"), "ip", "netns", "exec", a ? net.nodeA() : net.nodeB(),
                    armd.toString(), "run", "--config", config.toString(), "--server", node,
                    "--socket", dir.resolve(tag + "-" + node + ".sock").toString(),
                    "--state-dir", dir.resolve(tag + "-state").toString());
            }
        }

        @Override
        long crashPid() {
            // ip netns exec and the armd launcher exec: the process launched is the agent's guardian (armguard), the
            // JVM its child; a build without a guardian launches the JVM itself
            final long launchedPid = launched.get(0).pid();
            try {
                final String children = Files.readString(Path.of("/proc", Long.toString(launchedPid), "task",
                    Long.toString(launchedPid), "children")).trim();
                return children.isEmpty() ? launchedPid : Long.parseLong(children.split(" ")[0]);
            } catch (IOException | NumberFormatException e) {
                return launchedPid;
            }
        }

        @Override
        List<Long> processes(final boolean a) {
            // the guardian and the agent's JVM, its child
            final ProcessHandle guard = launched.get(a ? 0 : 1).toHandle();
            final List<Long> pids = new java.util.ArrayList<>(List.of(guard.pid()));
            guard.children().forEach(c -> pids.add(c.pid()));
            return pids;
        }

        @Override
        String crashTarget() {
            return "nodeA's armd JVM (under its guardian)";
        }
    }

    /** Two keepalived daemons (VRRP subsystem only), VRRPv3 with unicast peers, nodeA MASTER. */
    static final class KeepalivedPair extends FailoverPair {
        private final String keepalived;
        private final Path[] config = new Path[2];

        KeepalivedPair(final Keepalived setup, final FailoverNet net, final Path dir, final String keepalived)
            throws IOException {
            super(net, dir);
            this.keepalived = keepalived;
            for (int i = 0; i < 2; i++) {
                final boolean a = i == 0;
                final String advert = String.format(Locale.ROOT, "%.2f", setup.advertMs() / 1000.0);
                config[i] = dir.resolve(setup.name() + (a ? "-nodeA" : "-nodeB") + ".conf");
                Files.writeString(config[i], """
                    global_defs {
                      router_id %s
                      vrrp_version 3
                    }
                    vrrp_instance VI_1 {
                      state %s
                      interface eth0
                      virtual_router_id 51
                      priority %d
                      advert_int %s
                      unicast_src_ip %s
                      unicast_peer {
                        %s
                      }
                      virtual_ipaddress {
                        %s/24 dev eth0
                      }
                    }
                    """.formatted(a ? "nodeA" : "nodeB", a ? "MASTER" : "BACKUP", a ? 200 : 100, advert,
                    a ? FailoverNet.A_IP : FailoverNet.B_IP, a ? FailoverNet.B_IP : FailoverNet.A_IP,
                    FailoverNet.VIP), StandardCharsets.US_ASCII);
            }
        }

        private Path pidFile(final boolean a, final String which) {
            return dir.resolve("keepalived-" + (a ? "nodeA" : "nodeB") + "-" + which + ".pid");
        }

        @Override
        void start(final String tag) throws IOException {
            for (int i = 0; i < 2; i++) {
                final boolean a = i == 0;
                for (final String w : new String[] {"main", "vrrp", "checkers", "bfd"}) {
                    Files.deleteIfExists(pidFile(a, w));
                }
                launch(dir.resolve(tag + "-" + (a ? "nodeA" : "nodeB") + ".log"), "ip", "netns", "exec",
                    a ? net.nodeA() : net.nodeB(), keepalived, "--dont-fork", "--log-console", "--no-syslog",
                    "--vrrp", "-f", config[i].toString(), "-p", pidFile(a, "main").toString(),
                    "-r", pidFile(a, "vrrp").toString(), "-c", pidFile(a, "checkers").toString(),
                    "-b", pidFile(a, "bfd").toString());
            }
        }

        /** The VRRP child of node a's keepalived, from its pid file (waits up to 10 s for it). */
        private long vrrpChild(final boolean a) throws IOException {
            final Path f = pidFile(a, "vrrp");
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (System.nanoTime() - deadline < 0) {
                if (Files.exists(f)) {
                    final String s = Files.readString(f).strip();
                    if (!s.isEmpty() && FailoverNet.alive(Long.parseLong(s))) {
                        return Long.parseLong(s);
                    }
                }
                FailoverNet.sleepMs(5);
            }
            throw new IOException("keepalived on " + (a ? "nodeA" : "nodeB") + " wrote no VRRP child pid to " + f);
        }

        @Override
        long crashPid() throws IOException {
            return vrrpChild(true);
        }

        @Override
        List<Long> processes(final boolean a) throws IOException {
            return List.of(launched.get(a ? 0 : 1).pid(), vrrpChild(a));
        }

        @Override
        String crashTarget() {
            return "nodeA's keepalived VRRP child (the parent respawns it, as shipped)";
        }
    }
}
