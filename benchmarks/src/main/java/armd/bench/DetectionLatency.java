package armd.bench;

import armd.it.AgentCluster;
import armd.it.Netns;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * End-to-end failure detection of real agents in network namespaces (the product's main figure): from the
 * fault (SIGKILL of server1's agent, or server1's link set down) to server2's log line declaring server1
 * down, and to server2 launching group A's FAILOVER start script. Both times come from the agents' own
 * microsecond log timestamps against the wall clock read just before the fault. Then false detections: two
 * agents with the default heartbeat (10 ms, 100 ms) while both cores spin, counted from the logs.
 *
 * <p>Usage (root): {@code benchmarks/detection.sh [ROUNDS] [LOAD_SECONDS]}; prints Markdown tables.
 */
public final class DetectionLatency {
    private DetectionLatency() {
    }

    /** One measured round: fault to "down", fault to the FAILOVER start script, in microseconds. */
    private record Round(long downUs, long failoverUs) {
    }

    public static void main(final String[] args) throws Exception {
        Netns.assumeRoot();
        final int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        final int loadS = args.length > 1 ? Integer.parseInt(args[1]) : 60;
        System.out.println("| transport | interval / timeout | fault | rounds | fault to down: p50 / max ms"
            + " | fault to FAILOVER script: p50 / max ms |");
        System.out.println("|---|---|---|---|---|---|");
        for (final boolean multicast : new boolean[] {true, false}) {
            for (final String fault : new String[] {"kill -9", "link down"}) {
                final List<Round> rs = new ArrayList<>();
                for (int r = 0; r < rounds; r++) {
                    rs.add(round(new AgentCluster.Heartbeat(10, 100, multicast), fault));
                }
                final long[] down = rs.stream().mapToLong(Round::downUs).sorted().toArray();
                final long[] fo = rs.stream().mapToLong(Round::failoverUs).sorted().toArray();
                System.out.printf(Locale.ROOT, "| %s | 10 ms / 100 ms | %s | %d | %.1f / %.1f | %.1f / %.1f |%n",
                    multicast ? "multicast" : "unicast", fault, rounds, down[down.length / 2] / 1e3,
                    down[down.length - 1] / 1e3, fo[fo.length / 2] / 1e3, fo[fo.length - 1] / 1e3);
            }
        }
        System.out.println();
        System.out.println("| load | seconds | heartbeats | false \"down\" declarations |");
        System.out.println("|---|---|---|---|");
        for (final boolean load : new boolean[] {false, true}) {
            System.out.printf(Locale.ROOT, "| %s | %d | 10 ms / 100 ms, multicast | %d |%n",
                load ? "both cores spinning (2 busy shells)" : "idle", loadS, falseDetections(load, loadS));
        }
    }

    private static Round round(final AgentCluster.Heartbeat hb, final String fault) throws Exception {
        try (AgentCluster c = new AgentCluster("dl", 2, false, hb)) {
            c.startAll();
            c.awaitRecords(3, 60);
            final int mark = lines(c.log(1)).size();
            final Instant t0 = Instant.now();
            if (fault.equals("kill -9")) {
                c.kill9(0);
            } else {
                Netns.run("ip", "-n", c.namespace(0), "link", "set", "eth0", "down");
            }
            final Instant[] at = new Instant[2];
            c.await(() -> {
                final List<String> ls = lines(c.log(1));
                for (final String l : ls.subList(Math.min(mark, ls.size()), ls.size())) {
                    if (at[0] == null && l.contains("server server1 is down")) {
                        at[0] = Instant.parse(l.substring(0, l.indexOf(' ')));
                    }
                    if (at[1] == null && l.contains("group A: start script ARMS_EVENT=FAILOVER")) {
                        at[1] = Instant.parse(l.substring(0, l.indexOf(' ')));
                    }
                }
                return at[0] != null && at[1] != null;
            }, 30, "server2 detecting server1's " + fault + " and failing A over");
            return new Round(micros(t0, at[0]), micros(t0, at[1]));
        }
    }

    private static long falseDetections(final boolean load, final int seconds) throws Exception {
        final List<Process> spinners = new ArrayList<>();
        try (AgentCluster c = new AgentCluster("fd", 2, false, new AgentCluster.Heartbeat(10, 100, true))) {
            c.startAll();
            c.awaitRecords(3, 60);
            if (load) {
                for (int i = 0; i < Runtime.getRuntime().availableProcessors(); i++) {
                    spinners.add(new ProcessBuilder("sh", "-c", "while :; do :; done").start());
                }
            }
            final long end = System.nanoTime() + seconds * 1_000_000_000L;
            while (System.nanoTime() - end < 0) {
                Thread.sleep(200);
            }
            long n = 0;
            for (int i = 0; i < 2; i++) {
                n += lines(c.log(i)).stream().filter(l -> l.contains(" is down: ")).count();
            }
            return n;
        } finally {
            for (final Process p : spinners) {
                p.destroyForcibly();
                p.waitFor();
            }
        }
    }

    private static long micros(final Instant from, final Instant to) {
        return (to.getEpochSecond() - from.getEpochSecond()) * 1_000_000L + (to.getNano() - from.getNano()) / 1_000;
    }

    private static List<String> lines(final Path log) {
        try {
            return Files.exists(log) ? Files.readAllLines(log) : List.of();
        } catch (IOException e) {
            return List.of();
        }
    }
}
