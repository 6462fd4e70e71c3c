package armd.bench;

import armd.monitor.MonitorFaults;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * Detection latency of each monitor type: the time from injecting a real fault (the faults of
 * {@code MonitorEngineIT}: nftables drop, namespace removed, address removed, link down, process killed, script
 * exiting 1, EIO on a loop device) to the engine's {@code failed()} call, over N runs per monitor, with the
 * default settings (interval 1s, timeout 500 ms, 3 failures; link, ip and process: 1 failure, event-driven) and
 * with fast settings (interval 100 ms, timeout 100 ms, 3 failures). Each fault comes at a random point of the
 * probe interval (a fixed seed). Not JMH: each sample is one fault, seconds
 * long. "Good": a probed monitor detects within failures x interval (+ timeout); an event monitor within
 * milliseconds.
 *
 * <p>Root only. Run from the test classpath, N runs per monitor (default 10), and print a Markdown table:
 * {@code java --enable-native-access=ALL-UNNAMED -cp target/test-classes:target/classes:$(cat
 * target/test-classpath.txt) armd.bench.MonitorLatencyBench 10}
 */
public final class MonitorLatencyBench {
    private MonitorLatencyBench() {
    }

    /** Runs the benchmark; args[0] is the number of runs per monitor. */
    public static void main(final String[] args) throws Exception {
        final int runs = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        final java.util.SplittableRandom random = new java.util.SplittableRandom(42);
        final List<MonitorFaults.Maker> makers = List.of(MonitorFaults::pingDropped, MonitorFaults::pingNamespaceGone,
            MonitorFaults::nfsAddressGone, MonitorFaults::linkDown, MonitorFaults::ipRemoved,
            MonitorFaults::processKilled, MonitorFaults::scriptExit1, MonitorFaults::partitionEio);
        System.out.println("| monitor, fault | settings | runs | median | p90 | min | max |");
        System.out.println("|---|---|---|---|---|---|---|");
        for (final MonitorFaults.Timing timing : List.of(MonitorFaults.Timing.DEFAULTS, MonitorFaults.Timing.FAST)) {
            for (final MonitorFaults.Maker maker : makers) {
                final List<Long> samples = new ArrayList<>();
                String name = "";
                String settings = "";
                for (int i = 0; i < runs; i++) {
                    final Path dir = Files.createTempDirectory("armd-monlat");
                    try (MonitorFaults.Scenario s = maker.make(dir)) {
                        // the fault comes at a random point of the probe interval, as a real one does
                        final long phaseMs = random.nextLong(timing.intervalMs());
                        final MonitorFaults.Outcome o = MonitorFaults.run(s, timing, 30_000, phaseMs);
                        samples.add(o.latencyNs());
                        name = s.name();
                        settings = "interval " + o.monitor().intervalMs() + " ms, timeout " + o.monitor().timeoutMs()
                            + " ms, failures " + o.monitor().failures();
                    } finally {
                        try (var files = Files.walk(dir)) {
                            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                        }
                    }
                }
                samples.sort(null);
                System.out.println("| " + name + " | " + settings + " | " + runs + " | " + ms(percentile(samples, 50))
                    + " | " + ms(percentile(samples, 90)) + " | " + ms(samples.getFirst()) + " | "
                    + ms(samples.getLast()) + " |");
            }
        }
    }

    private static long percentile(final List<Long> sorted, final int p) {
        final int i = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i)));
    }

    private static String ms(final long ns) {
        return String.format(Locale.ROOT, ns >= 10_000_000 ? "%.0f ms" : "%.2f ms", ns / 1e6);
    }
}
