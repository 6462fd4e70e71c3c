package armd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import armd.config.ClusterKey;

import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * A super cluster in network namespaces (docs/behaviour.md#super-cluster): a master cluster of two servers (m1, m2)
 * and a cluster "west" of two (w1, w2), real agents, the operator's commands from a fifth namespace. In one run:
 * a push and the start-up fetch (west's agents have no configuration file), a change pushed and applied through
 * the reload path, a forged push (another key) dropped, the management server killed and the role taken over,
 * changes refused without a majority and accepted after a forced return, every change refused while no master
 * server is up, a server that waits for a management server, one that starts from its verified copy, and a
 * truncated copy refused.
 */
class SuperClusterIT {
    private static final int T = 90;

    @Test
    void theMasterClusterHoldsEveryConfigurationThroughItsFailures() throws Exception {
        Netns.assumeRoot();
        try (Site site = new Site()) {
            site.start(0, "--config", site.dir.resolve("master.conf").toString());
            site.start(1, "--config", site.dir.resolve("master.conf").toString());
            site.await(() -> site.logHas(0, "management server m1 (this server; accepting changes)"),
                "m1 holds the management role and accepts changes");

            // the first push, then west's agents start with nothing but the super cluster file
            Netns.Result push = site.armd("config", "push", site.dir.resolve("west.conf").toString());
            assertEquals(0, push.exitCode(), push.toString());
            assertTrue(push.stdout().contains("cluster west: version 1 stored on 2 of 2 master servers"),
                push.stdout());
            site.start(2);
            // w2 applies new versions on request only (apply = manual)
            site.start(3, "--super", site.manualSuper.toString());
            for (final int w : new int[] {2, 3}) {
                final int i = w;
                site.await(() -> site.logHas(i, "configuration of cluster west version 1 from m1, verified and stored"),
                    site.names[i] + " fetches west's configuration");
            }
            site.await(() -> site.recordHas(site.namespaces[2] + " start A"), "group A starts on w1");
            final Netns.Result status = site.status(2);
            assertTrue(status.stdout().contains("super cluster site (master cluster master): management server m1"),
                status.toString());
            assertTrue(status.stdout().contains("configuration version 1"), status.stdout());

            // a change from a script on w1 (armconf, through w1's agent): pushed, replicated, taken on by west's
            // agents through the reload path; a file with a mistake is refused at its line, nothing changes
            Files.writeString(site.dir.resolve("west.conf"), site.westConf("debug"));
            push = site.armconf(2, "push", site.dir.resolve("west.conf").toString());
            assertEquals(0, push.exitCode(), push.toString());
            assertTrue(push.stdout().contains("version 2 stored on 2 of 2"), push.toString());
            Files.writeString(site.dir.resolve("bad.conf"), site.westConf("debug").replace("policy = w1, w2",
                "policy = w1, w9"));
            final Netns.Result bad = site.armd("config", "push", site.dir.resolve("bad.conf").toString());
            assertEquals(2, bad.exitCode(), bad.toString());
            assertTrue(bad.stderr().contains("bad.conf:"), bad.stderr());
            site.await(() -> site.logHas(2, "super cluster: applying version 2 of cluster west")
                && site.logHas(2, "applied: "), "w1 applies version 2");
            site.await(() -> site.logHas(3, "version 2 of cluster west is fetched and verified; apply = manual"),
                "w2 keeps version 2 for a request");
            assertTrue(site.status(3).stdout().contains("configuration version 1"), "w2 still runs on version 1");
            final Netns.Result applied = site.armconf(3, "apply");
            assertEquals(0, applied.exitCode(), applied.toString());
            assertTrue(applied.stdout().contains("version 2 applied"), applied.toString());
            site.await(() -> site.status(3).stdout().contains("configuration version 2"), "w2 runs on version 2");

            // a push with another key: dropped unanswered, logged by the master servers
            final Netns.Result forged = site.armdWith(site.forgedSuper, "config", "push",
                site.dir.resolve("west.conf").toString());
            assertEquals(3, forged.exitCode(), forged.toString());
            site.await(() -> site.logHas(0, "dropped a datagram") && site.logHas(0, "bad_mac"),
                "m1 logs the forged datagram");

            // a forced return while the other master server answers is refused
            final Netns.Result early = Cli.armd(null, "super", "force-return", "--socket", site.socket(1).toString());
            assertEquals(1, early.exitCode(), early.toString());
            assertTrue(early.stderr().contains("forced return refused"), early.stderr());

            // the management server dies: m2 takes the role; without a majority it serves copies only
            final long killedAt = System.nanoTime();
            site.kill9(0);
            site.await(() -> site.logHas(1, "management server m2 (this server; serving copies only: changes need a "
                + "majority"), "m2 takes the management role");
            // not asserted (a loaded machine stretches it): printed for benchmarks/RESULTS.md
            System.out.println("SuperClusterIT: m2 holds the management role " + (System.nanoTime() - killedAt)
                / 1_000_000 + " ms after m1's agent was killed");
            final Netns.Result versions = site.armd("config", "versions");
            assertEquals(0, versions.exitCode(), versions.toString());
            assertTrue(versions.stdout().contains("management server m2"), versions.stdout());
            assertTrue(versions.stdout().contains("version 2"), versions.stdout());
            Files.writeString(site.dir.resolve("west.conf"), site.westConf("info"));
            push = site.armd("config", "push", site.dir.resolve("west.conf").toString());
            assertEquals(1, push.exitCode(), push.toString());
            assertTrue(push.stderr().contains("changes need a majority of the master cluster"), push.stderr());

            // the operator asserts m1 is down: m2 accepts alone
            final Netns.Result forced = Cli.armd(null, "super", "force-return", "--socket",
                site.socket(1).toString());
            assertEquals(0, forced.exitCode(), forced.toString());
            site.await(() -> site.logHas(1, "management server m2 (this server; accepting changes)"),
                "m2 accepts changes after the forced return");
            push = site.armd("config", "push", site.dir.resolve("west.conf").toString());
            assertEquals(0, push.exitCode(), push.toString());
            assertTrue(push.stdout().contains("version 3 stored on 1 of 2"), push.stdout());
            site.await(() -> site.logHas(2, "super cluster: applying version 3 of cluster west"),
                "w1 applies version 3 from m2");
            // w2's request this time: SIGHUP, as systemctl reload sends it
            site.await(() -> site.logHas(3, "version 3 of cluster west is fetched and verified"),
                "w2 keeps version 3 for a request");
            site.signal(3, "HUP");
            site.await(() -> site.logHas(3, "super cluster: applying version 3 of cluster west"),
                "w2 applies version 3 on SIGHUP");

            // no master server up: every change refused, the clusters keep running
            site.kill9(1);
            push = site.armd("config", "push", site.dir.resolve("west.conf").toString());
            assertEquals(3, push.exitCode(), push.toString());
            assertTrue(push.stderr().contains("no management server answers"), push.stderr());
            assertTrue(site.status(2).stdout().contains("configuration version 3"));

            // a restarting server waits for a management server, saying so once
            assertEquals(0, site.terminate(3));
            site.start(3);
            site.await(() -> site.logHas(3, "no management server answers (tried m1 192.0.2.11: no answer; m2 "
                + "192.0.2.12: no answer): waiting"), "w2 says it waits");
            site.kill9(3);
            // with start-from-copy it starts from its verified copy
            site.start(3, "--super", site.fromCopySuper.toString());
            site.await(() -> site.logHas(3, "starting from the last verified copy of cluster west, version 3"),
                "w2 starts from its copy");
            site.await(() -> site.status(3).stdout().contains("configuration version 3"), "w2 runs on version 3");
            // a copy cut short is refused, not used
            site.kill9(3);
            final Path copy = site.dir.resolve("superstate/w2/super/west.copy");
            try (RandomAccessFile f = new RandomAccessFile(copy.toFile(), "rw")) {
                f.setLength(f.length() - 10);
            }
            site.start(3, "--super", site.fromCopySuper.toString());
            site.await(() -> site.logHas(3, "(treated as absent)"), "w2 refuses its truncated copy");
            site.await(() -> site.logHas(3, "no management server answers"), "w2 waits instead");
        }
    }

    /** The namespaces, files and agents of the test's super cluster. */
    private static final class Site implements AutoCloseable {
        final Netns net = new Netns("sc");
        final Path dir = Files.createTempDirectory("armd-sc-");
        final String[] names = {"m1", "m2", "w1", "w2"};
        final String[] namespaces = new String[4];
        final Process[] agents = new Process[4];
        final Path superFile = dir.resolve("super.conf");
        final Path forgedSuper = dir.resolve("forged.conf");
        final Path fromCopySuper = dir.resolve("from-copy.conf");
        final Path manualSuper = dir.resolve("manual.conf");
        final Path record = dir.resolve("record");
        final String hub;

        Site() throws IOException {
            boolean ok = false;
            try {
                hub = net.namespace("hub");
                net.bridge(hub, "br0");
                net.exec(hub, "ip", "addr", "add", "192.0.2.1/24", "dev", "br0");
                for (int i = 0; i < 4; i++) {
                    namespaces[i] = net.namespace("s" + (i + 1));
                    net.veth(namespaces[i], "eth0", hub, "p" + (i + 1));
                    net.attach(hub, "p" + (i + 1), "br0");
                    net.address(namespaces[i], "eth0", "192.0.2." + (11 + i) + "/24");
                }
                for (final String k : List.of("master", "west", "super", "forged")) {
                    final Path key = dir.resolve(k + ".key");
                    Files.writeString(key, ClusterKey.format(ClusterKey.generate()), StandardCharsets.US_ASCII);
                    Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
                }
                Files.writeString(record, "");
                for (final String s : List.of("start", "stop")) {
                    final Path p = dir.resolve(s + ".sh");
                    Files.writeString(p, "#!/bin/sh\necho \"$(ip netns identify $$) " + s + " $ARMS_GROUPNAME\" >> "
                        + record + "\n");
                    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
                }
                Files.writeString(dir.resolve("master.conf"), clusterConf("master", 7405, "m1", "m2", "M", "info"));
                Files.writeString(dir.resolve("west.conf"), westConf("info"));
                Files.writeString(superFile, superConf("super.key", "no"));
                Files.writeString(forgedSuper, superConf("forged.key", "no"));
                Files.writeString(fromCopySuper, superConf("super.key", "yes"));
                Files.writeString(manualSuper, superConf("super.key", "no").replace("[super]\n",
                    "[super]\napply = manual\n"));
                ok = true;
            } finally {
                if (!ok) {
                    close();
                }
            }
        }

        String westConf(final String level) {
            return clusterConf("west", 7406, "w1", "w2", "A", level);
        }

        private static String clusterConf(final String name, final int port, final String a, final String b,
                                          final String group, final String level) {
            final int first = a.startsWith("m") ? 11 : 13;
            return "[cluster]\nname = " + name + "\nkey-file = " + name + ".key\nauto-return = no\nstartup-wait = 5s\n"
                + "state-dir = state\nlog-level = " + level + "\n\n[heartbeat]\nport = " + port
                + "\nmulticast-group = none\ninterval = 20ms\ntimeout = 1500ms\n\n[server " + a
                + "]\naddress = 192.0.2."
                + first + "\n\n[server " + b + "]\naddress = 192.0.2." + (first + 1) + "\n\n[group " + group
                + "]\npolicy = " + a + ", " + b + "\nstart = start.sh\nstop = stop.sh\nscript-timeout = 20s\n";
        }

        private static String superConf(final String key, final String fromCopy) {
            return "[super]\nname = site\nkey-file = " + key + "\nmaster = master\nport = 7407\n"
                + "state-dir = superstate\nstart-from-copy = " + fromCopy + "\nfetch-timeout = 5m\npoll-interval = 1s\n"
                + "timeout = 1s\n\n[cluster master]\nservers = m1 192.0.2.11, m2 192.0.2.12\n\n[cluster west]\n"
                + "servers = w1 192.0.2.13, w2 192.0.2.14\n";
        }

        Path socket(final int i) {
            return dir.resolve(names[i] + ".sock");
        }

        Path log(final int i) {
            return dir.resolve(names[i] + ".log");
        }

        /** Starts server i's agent with the super cluster file and {@code extra} (e.g. --config FILE). */
        void start(final int i, final String... extra) throws IOException {
            final List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", namespaces[i],
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
                "armd.Main", "run", "--server", names[i], "--socket", socket(i).toString()));
            final List<String> rest = new ArrayList<>(List.of(extra));
            if (!rest.contains("--super")) {
                rest.addAll(List.of("--super", superFile.toString()));
            }
            cmd.addAll(rest);
            agents[i] = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log(i).toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        }

        void signal(final int i, final String name) throws IOException, InterruptedException {
            final Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(agents[i].pid())).start();
            if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                kill.destroyForcibly();
                throw new AssertionError("kill -" + name + " " + agents[i].pid() + " failed");
            }
        }

        void kill9(final int i) throws InterruptedException {
            agents[i].destroyForcibly();
            agents[i].waitFor(30, TimeUnit.SECONDS);
        }

        int terminate(final int i) throws InterruptedException {
            agents[i].destroy();
            if (!agents[i].waitFor(60, TimeUnit.SECONDS)) {
                throw new AssertionError(names[i] + " did not exit within 60 s of SIGTERM");
            }
            return agents[i].exitValue();
        }

        /** The native {@code armconf ARGS...} in server i's namespace, to its agent. */
        Netns.Result armconf(final int i, final String... args) throws IOException {
            final List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", namespaces[i], "env",
                "ARMD_SOCKET=" + socket(i), Path.of("target", "bin", "armconf").toAbsolutePath().toString()));
            cmd.addAll(List.of(args));
            return Netns.tryRun(cmd.toArray(new String[0]));
        }

        /** {@code armd ARGS... --super super.conf} from the hub's namespace. */
        Netns.Result armd(final String... args) throws IOException {
            return armdWith(superFile, args);
        }

        Netns.Result armdWith(final Path file, final String... args) throws IOException {
            final List<String> all = new ArrayList<>(List.of(args));
            all.addAll(List.of("--super", file.toString()));
            return Cli.armd(hub, all.toArray(new String[0]));
        }

        Netns.Result status(final int i) {
            try {
                return Cli.armd(null, "status", "--socket", socket(i).toString());
            } catch (IOException e) {
                return new Netns.Result(-1, "", e.toString());
            }
        }

        boolean logHas(final int i, final String text) {
            try {
                return Files.exists(log(i)) && Files.readString(log(i)).contains(text);
            } catch (IOException e) {
                return false;
            }
        }

        boolean recordHas(final String text) {
            try {
                return Files.readString(record).contains(text);
            } catch (IOException e) {
                return false;
            }
        }

        void await(final BooleanSupplier condition, final String what) throws Exception {
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(T);
            while (!condition.getAsBoolean()) {
                if (System.nanoTime() - deadline > 0) {
                    throw new AssertionError(what + " within " + T + " s\n" + diagnostics());
                }
                Thread.sleep(50);
            }
        }

        String diagnostics() {
            final StringBuilder sb = new StringBuilder();
            for (int i = 0; i < 4; i++) {
                try {
                    if (Files.exists(log(i))) {
                        final List<String> lines = Files.readAllLines(log(i));
                        sb.append("--- ").append(names[i]).append(" log (last 40 lines):\n").append(String.join("\n",
                            lines.subList(Math.max(0, lines.size() - 40), lines.size()))).append('\n');
                    }
                } catch (IOException e) {
                    sb.append("(cannot read ").append(log(i)).append(")\n");
                }
            }
            return sb.toString();
        }

        @Override
        public void close() {
            final Map<Process, Boolean> seen = new HashMap<>();
            for (final Process p : agents) {
                if (p != null && p.isAlive() && seen.put(p, true) == null) {
                    p.descendants().forEach(ProcessHandle::destroyForcibly);
                    p.destroyForcibly();
                    try {
                        p.waitFor(10, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            }
            net.close();
            if (System.getenv("ARMD_KEEP_IT") == null) {
                try (Stream<Path> walk = Files.walk(dir)) {
                    walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                } catch (IOException ignored) {
                    // a temp directory: best effort
                }
            }
        }
    }
}
