package armd.bench;

import armd.bench.ClientProbe.Kind;
import armd.bench.FailoverPair.Setup;
import armd.it.Netns;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The client-visible failover harness: armd beside keepalived, measured the same way. A client in its own network
 * namespace probes the virtual IP every millisecond (benchmarks/failover/probe.c: an ARP request and an ICMP echo
 * to the MAC that last answered for it); a pair of agents in nodeA and nodeB serves it, nodeA first; the harness
 * injects a fault on nodeA (kill -9 of the agent, its link set down, or an nftables partition) and takes the time
 * from the fault to the first echo reply from the virtual IP carrying nodeB's MAC, both on CLOCK_MONOTONIC. Rows
 * (armd's defaults, armd fast, keepalived at 10 ms and 20 ms adverts) alternate within a round, so a load that
 * comes and goes hits every row alike. Then each agent's footprint at rest, and a soak under stress-ng counting
 * changes of the virtual IP's holder that no fault caused.
 *
 * <p>Run through {@code benchmarks/failover.sh} (root); {@code --help} lists the options. Prints Markdown and
 * replaces its section of benchmarks/RESULTS.md; every measurement also goes to a TSV file (--raw).
 */
public final class FailoverHarness {
    static final String SECTION = "## Client-visible failover: armd beside keepalived";

    /** The faults, injected on nodeA while it holds the virtual IP. */
    enum Fault {
        KILL("kill -9"), LINK("link down"), PARTITION("partition");

        final String label;

        Fault(final String label) {
            this.label = label;
        }
    }

    /** How one measurement ended. */
    enum Outcome {
        /** nodeB answered the client within the bound. */
        TAKEOVER,
        /** nodeB did not answer within the bound. */
        NONE,
        /** the pair never answered from nodeA's MAC (not measured). */
        NOT_SERVING,
        /** nodeB kept answering, or nodeA did not hold the address alone, before the fault (not measured). */
        UNSTEADY
    }

    /** One measurement: row, fault, round, outcome, fault to takeover and exec to serving (ms, or NaN). */
    record Sample(String row, Fault fault, int round, Outcome outcome, double takeoverMs, double servingMs,
                  boolean startFlap, String note) {
        Sample(final String row, final Fault fault, final int round, final Outcome outcome, final double takeoverMs,
               final double servingMs, final boolean startFlap) {
            this(row, fault, round, outcome, takeoverMs, servingMs, startFlap, "");
        }
    }

    static final List<Setup> ROWS = List.of(
        new FailoverPair.Armd("armd", 10, 100, 0, 0),
        new FailoverPair.Keepalived("keepalived-10ms", 10),
        new FailoverPair.Armd("armd-fast", 5, 50, 1, 20),
        new FailoverPair.Keepalived("keepalived-20ms", 20));

    private final Options o;
    private final Path work;
    private final FailoverNet net;
    private final PrintStream log = System.err;
    private ClientProbe probe;
    private final Map<String, FailoverPair> pairs = new LinkedHashMap<>();

    private FailoverHarness(final Options o, final Path work) {
        this.o = o;
        this.work = work;
        this.net = new FailoverNet(o.prefix);
    }

    /** Exit codes as armd's: 0 done, 2 bad command line, 3 a tool or privilege is missing, 1 the run failed. */
    public static void main(final String[] args) throws Exception {
        final Options o;
        try {
            o = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("failover harness: " + e.getMessage() + " (--help lists the options)");
            System.exit(2);
            return;
        }
        if (o.help) {
            System.out.println(Options.USAGE);
            return;
        }
        final String missing = missingTools(o);
        if (missing != null) {
            System.err.println("failover harness: " + missing);
            System.exit(3);
            return;
        }
        final Path work = o.work != null ? Files.createDirectories(o.work)
            : Files.createTempDirectory("armd-failover-");
        Files.setPosixFilePermissions(work, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        final FailoverHarness h = new FailoverHarness(o, work);
        final Thread hook = new Thread(h::cleanup, "failover-cleanup");
        Runtime.getRuntime().addShutdownHook(hook);
        int exit = 0;
        try {
            h.run();
        } catch (IOException | RuntimeException e) {
            System.err.println("failover harness: " + (h.cleaned ? "stopped by a signal; cleaned up" : e.getMessage()));
            exit = 1;
        } finally {
            h.cleanup();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                System.exit(130); // a signal ended the run; the hook has cleaned up
            }
        }
        System.exit(exit);
    }

    private static String missingTools(final Options o) throws IOException {
        if (armd.sys.Libc.geteuid() != 0) {
            return "needs root (network namespaces, AF_PACKET, nftables): run it as root";
        }
        final List<String> tools = new ArrayList<>(List.of("ip", "nft", "gcc"));
        if (o.rows.stream().anyMatch(r -> r instanceof FailoverPair.Keepalived)) {
            tools.add(o.keepalived);
        }
        if (o.soakS > 0) {
            tools.add("stress-ng");
        }
        for (final String t : tools) {
            if (Netns.tryRun("sh", "-c", "command -v \"$0\"", t).exitCode() != 0) {
                return t + " not found: run scripts/setup as root (it installs iproute2, nftables, gcc, keepalived"
                    + " and stress-ng)";
            }
        }
        if (!Files.isExecutable(o.armd) && o.rows.stream().anyMatch(r -> r instanceof FailoverPair.Armd)) {
            return "armd launcher " + o.armd + " is not executable: run scripts/build, or give --armd PATH";
        }
        if (!Files.exists(o.probeSource)) {
            return o.probeSource + " not found: run the harness from the project's root directory";
        }
        return null;
    }

    private volatile boolean cleaned;

    private synchronized void cleanup() {
        if (cleaned) {
            return;
        }
        cleaned = true;
        if (probe != null) {
            probe.close();
        }
        net.close();
        for (final FailoverPair p : pairs.values()) {
            p.reap();
        }
        if (!o.keep) {
            try (Stream<Path> walk = Files.walk(work)) {
                walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException ignored) {
                // a temp directory: best effort
            }
        } else {
            log.println("failover harness: kept " + work);
        }
    }

    private void run() throws IOException {
        final String loadBefore = loadAverage();
        final long started = System.nanoTime();
        final Path probeBinary = ClientProbe.compile(o.probeSource, Path.of("target", "failover-probe"));
        net.create();
        // bounded: the whole run's worst case, then the probe exits by itself
        final long boundS = Math.min(86_400L, 3_600L + (long) o.runs * o.rows.size() * o.faults.size() * 60L
            + (long) o.soakS * o.soakRows.size() * 2L + (long) o.footprintS * o.rows.size() * 2L);
        probe = ClientProbe.start(probeBinary, net.client(), boundS);
        for (final Setup s : o.rows) {
            pairs.put(s.name(), FailoverPair.of(s, net, work, o.armd, o.keepalived));
        }
        final List<Sample> samples = new ArrayList<>();
        if (Files.isDirectory(o.logs)) {
            try (Stream<Path> old = Files.list(o.logs)) {
                for (final Path p : old.filter(p -> p.getFileName().toString().endsWith(".log")).toList()) {
                    Files.delete(p);
                }
            }
        }
        Files.createDirectories(o.logs);
        final Path raw = o.raw;
        Files.createDirectories(raw.toAbsolutePath().getParent());
        Files.writeString(raw, "row\tfault\tround\toutcome\tfault_to_nodeB_echo_ms\texec_to_nodeA_echo_ms"
            + "\tnodeB_answered_during_start\tnote\n");
        for (final Fault f : o.faults) {
            for (int round = 1; round <= o.runs; round++) {
                for (final Setup s : o.rows) {
                    final Sample x = measure(s, f, round);
                    keepLogs(s.name() + "-" + f.name().toLowerCase(Locale.ROOT) + "-" + round);
                    samples.add(x);
                    Files.writeString(raw, String.format(Locale.ROOT, "%s\t%s\t%d\t%s\t%.3f\t%.3f\t%s",
                        x.row(), f.label, round, x.outcome(), x.takeoverMs(), x.servingMs(), x.startFlap())
                        + "\t" + x.note() + "\n",
                        java.nio.file.StandardOpenOption.APPEND);
                    log.printf(Locale.ROOT, "%-16s %-9s round %2d: %s%s%n", s.name(), f.label, round, x.outcome(),
                        x.outcome() == Outcome.TAKEOVER ? String.format(Locale.ROOT, " %.1f ms", x.takeoverMs()) : "");
                }
            }
        }
        final List<String[]> footprints = new ArrayList<>();
        if (o.footprintS > 0) {
            for (final Setup s : o.rows) {
                footprints.addAll(footprint(s));
            }
        }
        final List<String[]> soaks = new ArrayList<>();
        for (final Setup s : o.soakRows) {
            soaks.add(soak(s));
        }
        final String md = report(samples, footprints, soaks, loadBefore, loadAverage(),
            (System.nanoTime() - started) / 60e9);
        System.out.println(md);
        if (o.results != null) {
            replaceSection(o.results, md);
            log.println("failover harness: wrote the section to " + o.results + ", every measurement to " + raw);
        }
    }

    private String holdersText() throws IOException {
        final String h = net.holders();
        return h.isEmpty() ? "no node" : h;
    }

    /** Moves the logs of measurement {@code tag} from the work directory to the logs directory. */
    private void keepLogs(final String tag) throws IOException {
        try (Stream<Path> files = Files.list(work)) {
            for (final Path f : files.filter(p -> p.getFileName().toString().startsWith(tag + "-")
                && p.getFileName().toString().endsWith(".log")).toList()) {
                Files.move(f, o.logs.resolve(f.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    private FailoverPair pair(final Setup s) {
        return pairs.get(s.name());
    }

    /** One measurement of row {@code s} with fault {@code f}. */
    private Sample measure(final Setup s, final Fault f, final int round) throws IOException {
        final FailoverPair pair = pair(s);
        final String tag = s.name() + "-" + f.name().toLowerCase(Locale.ROOT) + "-" + round;
        net.reset();
        pair.reap();
        probe.check();
        probe.clear();
        final Path faultLog = work.resolve(tag + "-fault.log");
        try (FailoverNet.ArmedFault armed = switch (f) {
            case KILL -> null;
            case LINK -> net.armLinkDown(faultLog);
            case PARTITION -> net.armPartition(faultLog);
        }) {
            final long exec = System.nanoTime();
            pair.start(tag);
            final long serving = probe.first(Kind.ECHO, FailoverNet.A_MAC, exec, exec + TimeUnit.SECONDS.toNanos(60));
            if (serving < 0) {
                log.println("failover harness: " + tag + ": no echo reply from nodeA within 60 s of the start; see "
                    + work + " (--keep)");
                return new Sample(s.name(), f, round, Outcome.NOT_SERVING, Double.NaN, Double.NaN, false,
                    "no echo reply from nodeA within 60 s; virtual IP on " + holdersText());
            }
            final double servingMs = (serving - exec) / 1e6;
            // steady: nodeA answering and nodeB silent for the whole settle time (a pair may flap while it starts)
            final long steadyBy = serving + TimeUnit.SECONDS.toNanos(60);
            long quietSince = serving;
            while (true) {
                final long settleEnd = quietSince + TimeUnit.MILLISECONDS.toNanos(o.settleMs);
                while (System.nanoTime() - settleEnd < 0) {
                    FailoverNet.sleepMs(Math.max(1, (settleEnd - System.nanoTime()) / 1_000_000));
                }
                final long lastB = probe.last(Kind.ECHO, FailoverNet.B_MAC, quietSince, System.nanoTime());
                if (lastB < 0) {
                    break;
                }
                quietSince = lastB;
                if (System.nanoTime() - steadyBy > 0) {
                    return new Sample(s.name(), f, round, Outcome.UNSTEADY, Double.NaN, servingMs, true,
                        "nodeB still answering 60 s after nodeA first did; virtual IP on " + holdersText());
                }
            }
            final boolean flapped = probe.count(Kind.ECHO, FailoverNet.B_MAC, exec, System.nanoTime()) > 0;
            final long crash = f == Fault.KILL ? pair.crashPid() : -1;
            final String holders = net.holders();
            if (!holders.equals("A")) {
                return new Sample(s.name(), f, round, Outcome.UNSTEADY, Double.NaN, servingMs, flapped,
                    "before the fault the virtual IP was on " + (holders.isEmpty() ? "no node" : holders));
            }
            final long t0 = System.nanoTime();
            if (f == Fault.KILL) {
                ProcessHandle.of(crash).orElseThrow(() -> new IOException("process " + crash + " to kill is gone"))
                    .destroyForcibly();
            } else {
                armed.fire();
            }
            final long b = probe.first(Kind.ECHO, FailoverNet.B_MAC, t0, t0 + TimeUnit.MILLISECONDS.toNanos(o.boundMs));
            if (armed != null) {
                final int rc = armed.finish();
                if (rc != 0) {
                    throw new IOException(f.label + " fault command exited " + rc + ": " + armed.errors());
                }
            }
            return b < 0 ? new Sample(s.name(), f, round, Outcome.NONE, Double.NaN, servingMs, flapped)
                : new Sample(s.name(), f, round, Outcome.TAKEOVER, (b - t0) / 1e6, servingMs, flapped);
        }
    }

    /** Starts a pair and waits for nodeA to answer the client, plus {@code settleMs}; fails when it does not. */
    private void startServing(final Setup s, final String tag, final long settleMs) throws IOException {
        net.reset();
        pair(s).reap();
        probe.clear();
        final long exec = System.nanoTime();
        pair(s).start(tag);
        if (probe.first(Kind.ECHO, FailoverNet.A_MAC, exec, exec + TimeUnit.SECONDS.toNanos(60)) < 0) {
            throw new IOException(s.name() + ": nodeA did not answer the client within 60 s of the start");
        }
        FailoverNet.sleepMs(settleMs);
    }

    /** CPU (% of one core), RSS and threads of both agents of a row over {@code footprintS}, at rest. */
    private List<String[]> footprint(final Setup s) throws IOException {
        startServing(s, s.name() + "-footprint", 5_000);
        final FailoverPair pair = pair(s);
        final List<String[]> rows = new ArrayList<>();
        final List<List<Long>> procs = List.of(pair.processes(true), pair.processes(false));
        final long[] cpu0 = {cpuTicks(procs.get(0)), cpuTicks(procs.get(1))};
        final long[] rssMax = new long[2];
        final long[] threadsMax = new long[2];
        final long t0 = System.nanoTime();
        final long end = t0 + TimeUnit.SECONDS.toNanos(o.footprintS);
        while (System.nanoTime() - end < 0) {
            for (int i = 0; i < 2; i++) {
                rssMax[i] = Math.max(rssMax[i], statusSum(procs.get(i), "VmRSS:"));
                threadsMax[i] = Math.max(threadsMax[i], statusSum(procs.get(i), "Threads:"));
            }
            FailoverNet.sleepMs(Math.max(1, Math.min(1_000, (end - System.nanoTime()) / 1_000_000)));
        }
        final double seconds = (System.nanoTime() - t0) / 1e9;
        final long hz = clockTicks();
        for (int i = 0; i < 2; i++) {
            final double pct = (cpuTicks(procs.get(i)) - cpu0[i]) * 100.0 / hz / seconds;
            rows.add(new String[] {s.name(), i == 0 ? "nodeA (holder)" : "nodeB (standby)",
                Integer.toString(procs.get(i).size()), String.format(Locale.ROOT, "%.2f", pct),
                String.format(Locale.ROOT, "%.1f", rssMax[i] / 1024.0), Long.toString(threadsMax[i])});
        }
        log.printf(Locale.ROOT, "%-16s footprint done%n", s.name());
        return rows;
    }

    private static long cpuTicks(final List<Long> pids) throws IOException {
        long sum = 0;
        for (final long pid : pids) {
            final String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            final String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            sum += Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime: fields 14 and 15
        }
        return sum;
    }

    private static long statusSum(final List<Long> pids, final String key) throws IOException {
        long sum = 0;
        for (final long pid : pids) {
            for (final String l : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (l.startsWith(key)) {
                    sum += Long.parseLong(l.substring(key.length()).strip().split("\\s+")[0]);
                }
            }
        }
        return sum;
    }

    private static long clockTicks() throws IOException {
        return Long.parseLong(Netns.run("getconf", "CLK_TCK").strip());
    }

    /**
     * The soak: the pair at rest for {@code soakS} under stress-ng (both cores and a memory-churning worker),
     * counting the virtual IP's address events in both node namespaces (rtnetlink, {@code ip monitor address}) and
     * the client's echo replies from nodeB, none of which a fault caused.
     */
    private String[] soak(final Setup s) throws IOException {
        startServing(s, s.name() + "-soak", 2_000);
        final List<Process> watchers = new ArrayList<>();
        final Path[] events = {work.resolve(s.name() + "-soak-nodeA.events"),
            work.resolve(s.name() + "-soak-nodeB.events")};
        Process stress = null;
        try {
            for (int i = 0; i < 2; i++) {
                watchers.add(new ProcessBuilder("ip", "-n", i == 0 ? net.nodeA() : net.nodeB(), "-o", "monitor",
                    "address").redirectOutput(events[i].toFile()).redirectErrorStream(true).start());
            }
            FailoverNet.sleepMs(500); // the monitors subscribe
            final long from = System.nanoTime();
            stress = new ProcessBuilder("stress-ng", "--cpu", "2", "--vm", "1", "--vm-bytes", "1G", "--timeout",
                o.soakS + "s", "--quiet").redirectErrorStream(true)
                .redirectOutput(work.resolve(s.name() + "-soak-stress.log").toFile()).start();
            final long end = from + TimeUnit.SECONDS.toNanos(o.soakS);
            while (System.nanoTime() - end < 0) {
                probe.check();
                FailoverNet.sleepMs(Math.max(1, Math.min(1_000, (end - System.nanoTime()) / 1_000_000)));
            }
            final long to = System.nanoTime();
            final String holders = net.holders();
            final long[] changes = new long[2];
            for (int i = 0; i < 2; i++) {
                changes[i] = Files.readAllLines(events[i]).stream().filter(l -> l.contains(FailoverNet.VIP + "/"))
                    .count();
            }
            final int fromB = probe.count(Kind.ECHO, FailoverNet.B_MAC, from, to);
            final int fromA = probe.count(Kind.ECHO, FailoverNet.A_MAC, from, to);
            log.printf(Locale.ROOT, "%-16s soak done%n", s.name());
            return new String[] {s.name(), Long.toString(o.soakS), Long.toString(changes[0]),
                Long.toString(changes[1]), Integer.toString(fromB), Integer.toString(fromA),
                holders.isEmpty() ? "none" : holders};
        } finally {
            if (stress != null) {
                endTree(stress);
            }
            for (final Process w : watchers) {
                endTree(w);
            }
        }
    }

    /** Ends a process this harness started and its descendants, by PID. */
    private static void endTree(final Process p) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        try {
            p.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String loadAverage() throws IOException {
        final String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
        return f[0] + " " + f[1] + " " + f[2];
    }

    // ---- the report ----

    /** Nearest-rank percentile of sorted {@code v} (p in 0..100). */
    static double percentile(final double[] v, final double p) {
        final int rank = (int) Math.ceil(p / 100.0 * v.length);
        return v[Math.max(0, Math.min(v.length - 1, rank - 1))];
    }

    private String report(final List<Sample> samples, final List<String[]> footprints, final List<String[]> soaks,
                          final String loadBefore, final String loadAfter, final double minutes) throws IOException {
        final StringBuilder md = new StringBuilder();
        md.append(SECTION).append("\n\n");
        md.append("`benchmarks/failover.sh").append(o.shownArgs()).append("` (root), ")
            .append(LocalDate.now()).append(", ").append(String.format(Locale.ROOT, "%.0f", minutes))
            .append(" minutes; load average ").append(loadBefore).append(" before, ").append(loadAfter)
            .append(" after.\n").append(machine()).append("\narmd: ").append(armdBuild()).append("; ")
            .append(keepalivedVersion()).append(".\n\n");
        md.append("""
            Method. Four namespaces on one bridge: the client (192.0.2.5), nodeA (.11) and nodeB (.12); the virtual IP
            is 192.0.2.100/24. The client probe (benchmarks/failover/probe.c, one AF_PACKET socket) sends every 1 ms
            an ARP request for the virtual IP and an ICMP echo request to it, addressed to the MAC of the newest ARP
            message whose sender is the virtual IP (a reply or a gratuitous ARP): a neighbour cache that always
            takes the latest word, without the kernel's locktime. So "the first echo reply from nodeB's MAC" is the
            first time a client's traffic for the address reaches nodeB and nodeB answers it. Each measurement
            starts a fresh pair (new state, nodeA first), waits until the virtual IP answers from nodeA's MAC and
            nodeB's MAC has been silent for %d ms (a pair may flap while it starts) with the address on nodeA
            alone, injects the fault on nodeA and waits up to %d ms for an echo reply from nodeB's MAC (else "no
            takeover"). Probe times and the fault time are both CLOCK_MONOTONIC (System.nanoTime). The
            rows alternate within each round.

            Faults: **kill -9** of %s
            and of %s; **link down**: `ip link set eth0 down` in nodeA
            (an `ip -batch -` started beforehand gets the line at the fault time, so no fork or exec is inside the
            measured time); **partition**: an nftables netdev table drops everything at nodeA's eth0 ingress and
            egress (ARP included, carrier up), committed by an `nft -f -` started beforehand with the rules
            written, at the fault time its input is closed (its parse and commit, about a millisecond, are inside
            the measured time).

            armd: two `armd run` agents from the launcher given (default `target/bin/armd`), unicast heartbeats
            (the default, `multicast-group = none`; keepalived runs with unicast peers too), one group (policy
            nodeA, nodeB) with the floating IP and no-op scripts, the key from `armd keygen` in the run's 0700
            temporary directory. keepalived: `keepalived --dont-fork --vrrp` in each node namespace, VRRPv3,
            unicast peers, nodeA `state MASTER` priority 200, nodeB `BACKUP` 100, default preemption.

            """.formatted(o.settleMs, o.boundMs, pairOf(FailoverPair.Armd.class),
                pairOf(FailoverPair.Keepalived.class)));
        md.append("### Fault to the first echo reply from nodeB's MAC\n\n");
        md.append("Percentiles are nearest-rank over the runs that saw a takeover (with 30 runs, p99 is the"
            + " maximum).\n\n");
        md.append("| row | settings | fault | runs | takeovers | no takeover | median ms | p90 ms | p99 ms"
            + " | max ms |\n");
        md.append("|---|---|---|---|---|---|---|---|---|---|\n");
        for (final Fault f : o.faults) {
            for (final Setup s : o.rows) {
                final List<Sample> mine = samples.stream().filter(x -> x.row().equals(s.name()) && x.fault() == f)
                    .toList();
                final double[] v = mine.stream().filter(x -> x.outcome() == Outcome.TAKEOVER)
                    .mapToDouble(Sample::takeoverMs).sorted().toArray();
                final long none = mine.stream().filter(x -> x.outcome() == Outcome.NONE).count();
                final long skipped = mine.size() - v.length - none;
                md.append("| ").append(s.name()).append(" | ").append(s.settings()).append(" | ").append(f.label)
                    .append(" | ").append(mine.size()).append(skipped > 0 ? " (" + skipped + " not measured)" : "")
                    .append(" | ").append(v.length).append(" | ").append(none);
                if (v.length == 0) {
                    md.append(" | - | - | - | - |\n");
                } else {
                    md.append(String.format(Locale.ROOT, " | %.1f | %.1f | %.1f | %.1f |%n", percentile(v, 50),
                        percentile(v, 90), percentile(v, 99), v[v.length - 1]));
                }
            }
        }
        md.append("\n### Start to serving\n\n");
        md.append("From the exec of nodeA's agent (both agents launched together, nodeA first) to the first echo"
            + " reply from nodeA's MAC, over every measurement above; the last column counts the starts in which the"
            + " client also got echo replies from nodeB (both nodes took the address while starting; the harness"
            + " waits until nodeB has been silent for the settle time before a fault).\n\n");
        md.append("| row | starts | median ms | p90 ms | max ms | starts where nodeB also answered |\n"
            + "|---|---|---|---|---|---|\n");
        for (final Setup s : o.rows) {
            final double[] v = samples.stream().filter(x -> x.row().equals(s.name()) && !Double.isNaN(x.servingMs()))
                .mapToDouble(Sample::servingMs).sorted().toArray();
            md.append("| ").append(s.name()).append(" | ").append(v.length);
            final long flaps = samples.stream().filter(x -> x.row().equals(s.name()) && x.startFlap()).count();
            md.append(v.length == 0 ? " | - | - | - |" : String.format(Locale.ROOT, " | %.0f | %.0f | %.0f |",
                percentile(v, 50), percentile(v, 90), v[v.length - 1])).append(' ').append(flaps).append(" |\n");
        }
        if (!footprints.isEmpty()) {
            md.append("\n### Footprint at rest\n\n");
            md.append(String.format(Locale.ROOT, "Each pair serving, idle client probe running, after 5 s of rest;"
                + " over %d s from /proc: CPU = (utime + stime) / wall time, in %% of one core; RSS and threads the"
                + " largest seen (sampled every second). armd's figures add its guardian and the agent's JVM,"
                + " keepalived's its parent and its VRRP child (the processes column).%n%n", o.footprintS));
            md.append("| row | node | processes | CPU % | RSS MiB | threads |\n|---|---|---|---|---|---|\n");
            for (final String[] r : footprints) {
                md.append("| ").append(String.join(" | ", r)).append(" |\n");
            }
        }
        if (!soaks.isEmpty()) {
            md.append("\n### Soak: changes of holder that no fault caused\n\n");
            md.append("Each pair serving, then `stress-ng --cpu 2 --vm 1 --vm-bytes 1G` for the time given, no"
                + " fault: rtnetlink address events for the virtual IP in each node namespace (`ip -o monitor"
                + " address`, started before the load) and the client's echo replies from each MAC. A clean soak is"
                + " 0, 0, 0 and the virtual IP still on A alone.\n\n");
            md.append("| row | seconds | VIP events nodeA | VIP events nodeB | echo replies from nodeB"
                + " | echo replies from nodeA | VIP held at the end by |\n|---|---|---|---|---|---|---|\n");
            for (final String[] r : soaks) {
                md.append("| ").append(String.join(" | ", r)).append(" |\n");
            }
        }
        return md.toString();
    }

    private String pairOf(final Class<? extends Setup> kind) {
        return o.rows.stream().filter(kind::isInstance).findFirst().map(s -> pair(s).crashTarget())
            .orElse(kind == FailoverPair.Armd.class ? "nodeA's armd JVM" : "nodeA's keepalived VRRP child");
    }

    private static String machine() throws IOException {
        final String model = Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
            .filter(l -> l.startsWith("model name")).findFirst().map(l -> l.substring(l.indexOf(':') + 1).strip())
            .orElse("?");
        final long memKb = Files.readAllLines(Path.of("/proc/meminfo")).stream().filter(l -> l.startsWith("MemTotal"))
            .map(l -> Long.parseLong(l.replaceAll("\\D", ""))).findFirst().orElse(0L);
        final String debian = Files.exists(Path.of("/etc/debian_version"))
            ? " Debian " + Files.readString(Path.of("/etc/debian_version")).strip() : "";
        return String.format(Locale.ROOT, "Machine: %d vCPU (%s), %.0f GiB,%s, Linux %s, JDK %s.",
            Runtime.getRuntime().availableProcessors(), model, memKb / 1048576.0, debian,
            Netns.run("uname", "-r").strip(), System.getProperty("java.version"));
    }

    private String armdBuild() throws IOException {
        final Netns.Result r = Netns.tryRun("git", "describe", "--always", "--dirty");
        return "`" + o.armd + "`" + (r.exitCode() == 0 ? " at " + r.stdout().strip() : "");
    }

    private String keepalivedVersion() throws IOException {
        if (o.rows.stream().noneMatch(r -> r instanceof FailoverPair.Keepalived)) {
            return "no keepalived row";
        }
        final Netns.Result r = Netns.tryRun(o.keepalived, "--version");
        return (r.stdout() + r.stderr()).lines().findFirst().orElse("keepalived").strip();
    }

    /** Replaces (or appends) the section of this harness in {@code file} with {@code md}. */
    static void replaceSection(final Path file, final String md) throws IOException {
        final List<String> lines = Files.exists(file) ? Files.readAllLines(file) : List.of();
        final List<String> out = new ArrayList<>();
        int i = 0;
        boolean replaced = false;
        while (i < lines.size()) {
            if (lines.get(i).equals(SECTION)) {
                int j = i + 1;
                while (j < lines.size() && !lines.get(j).startsWith("## ")) {
                    j++;
                }
                out.addAll(md.strip().lines().toList());
                out.add("");
                i = j;
                replaced = true;
            } else {
                out.add(lines.get(i++));
            }
        }
        if (!replaced) {
            if (!out.isEmpty() && !out.getLast().isEmpty()) {
                out.add("");
            }
            out.addAll(md.strip().lines().toList());
        }
        while (!out.isEmpty() && out.getLast().isEmpty()) {
            out.removeLast();
        }
        Files.writeString(file, String.join("\n", out) + "\n", StandardCharsets.UTF_8);
    }

    // ---- options ----

    /** The command line. */
    static final class Options {
        static final String USAGE = """
            usage: benchmarks/failover.sh [--runs N] [--soak SECONDS] [--footprint SECONDS] [--rows R,...]
                                          [--faults F,...] [--soak-rows R,...] [--smoke] [--armd PATH]
                                          [--keepalived PATH] [--bound-ms MS] [--settle-ms MS]
                                          [--results FILE|-] [--raw FILE] [--logs DIR] [--prefix NAME]
                                          [--work DIR] [--keep]
              --runs N          measurements per row and fault (default 30)
              --soak SECONDS    soak under stress-ng per soak row (default 600; 0: none)
              --footprint SECONDS  CPU, RSS and threads at rest per row (default 60; 0: none)
              --rows            armd, armd-fast, keepalived-10ms, keepalived-20ms (default all)
              --faults          kill, link, partition (default all)
              --soak-rows       rows soaked (default armd,keepalived-10ms)
              --smoke           2 runs a row, no soak, no footprint, settle 300 ms (options after it win)
              --armd PATH       the armd launcher to measure (default target/bin/armd): any build
              --keepalived PATH keepalived binary (default keepalived)
              --bound-ms MS     no takeover after this long counts as "no takeover" (default 5000)
              --settle-ms MS    nodeB silent this long after nodeA serves, before the fault (default 1000)
              --results FILE    where the Markdown section goes (default benchmarks/RESULTS.md; -: nowhere)
              --raw FILE        every measurement as TSV (default target/failover-raw.tsv)
              --logs DIR        every measurement's agent logs (default target/failover-logs)
              --prefix NAME     namespace name prefix, 1-8 of [a-z0-9] (default random)
              --work DIR        the work directory, made 0700 and removed at the end (default a new temp one)
              --keep            keep the work directory (configurations, footprint and soak logs)""";

        int runs = 30;
        long soakS = 600;
        long footprintS = 60;
        List<Setup> rows = ROWS;
        List<Setup> soakRows;
        List<Fault> faults = List.of(Fault.values());
        Path armd = Path.of("target", "bin", "armd");
        String keepalived = "keepalived";
        long boundMs = 5_000;
        long settleMs = 1_000;
        Path results = Path.of("benchmarks", "RESULTS.md");
        Path raw = Path.of("target", "failover-raw.tsv");
        Path logs = Path.of("target", "failover-logs");
        Path probeSource = Path.of("benchmarks", "failover", "probe.c");
        Path work;
        String prefix = "fo" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt(), 4);
        boolean keep;
        boolean help;
        List<String> argv;

        static Options parse(final String[] args) {
            final Options o = new Options();
            o.argv = List.of(args);
            List<Setup> soakRows = null;
            for (int i = 0; i < args.length; i++) {
                final String a = args[i];
                switch (a) {
                    case "--help", "-h" -> o.help = true;
                    case "--smoke" -> {
                        o.runs = 2;
                        o.soakS = 0;
                        o.footprintS = 0;
                        o.settleMs = 300;
                    }
                    case "--keep" -> o.keep = true;
                    case "--runs" -> o.runs = (int) number(a, value(args, ++i, a), 1, 10_000);
                    case "--soak" -> o.soakS = number(a, value(args, ++i, a), 0, 86_400);
                    case "--footprint" -> o.footprintS = number(a, value(args, ++i, a), 0, 86_400);
                    case "--bound-ms" -> o.boundMs = number(a, value(args, ++i, a), 100, 600_000);
                    case "--settle-ms" -> o.settleMs = number(a, value(args, ++i, a), 0, 600_000);
                    case "--rows" -> o.rows = rows(value(args, ++i, a));
                    case "--soak-rows" -> soakRows = rows(value(args, ++i, a));
                    case "--faults" -> o.faults = faults(value(args, ++i, a));
                    case "--armd" -> o.armd = Path.of(value(args, ++i, a)).toAbsolutePath();
                    case "--keepalived" -> o.keepalived = value(args, ++i, a);
                    case "--results" -> {
                        final String v = value(args, ++i, a);
                        o.results = v.equals("-") ? null : Path.of(v);
                    }
                    case "--raw" -> o.raw = Path.of(value(args, ++i, a));
                    case "--logs" -> o.logs = Path.of(value(args, ++i, a));
                    case "--work" -> o.work = Path.of(value(args, ++i, a)).toAbsolutePath();
                    case "--prefix" -> {
                        o.prefix = value(args, ++i, a);
                        if (!o.prefix.matches("[a-z0-9]{1,8}")) {
                            throw new IllegalArgumentException("--prefix '" + o.prefix + "': 1 to 8 of a-z, 0-9");
                        }
                    }
                    default -> throw new IllegalArgumentException("unknown argument '" + a + "'");
                }
            }
            if (soakRows == null) {
                soakRows = o.soakS == 0 ? List.of()
                    : o.rows.stream().filter(s -> s.name().equals("armd") || s.name().equals("keepalived-10ms"))
                        .toList();
            }
            o.soakRows = o.soakS == 0 ? List.of() : soakRows;
            return o;
        }

        /** The command line as an operator gives it: without the wrapper's own --prefix and --work. */
        String shownArgs() {
            final StringBuilder b = new StringBuilder();
            for (int i = 0; i < argv.size(); i++) {
                if (argv.get(i).equals("--prefix") || argv.get(i).equals("--work")) {
                    i++;
                } else {
                    b.append(' ').append(argv.get(i));
                }
            }
            return b.toString();
        }

        private static String value(final String[] args, final int i, final String name) {
            if (i >= args.length) {
                throw new IllegalArgumentException(name + " needs a value");
            }
            return args[i];
        }

        private static long number(final String name, final String v, final long min, final long max) {
            try {
                final long n = Long.parseLong(v);
                if (n >= min && n <= max) {
                    return n;
                }
            } catch (NumberFormatException ignored) {
                // below
            }
            throw new IllegalArgumentException(name + " '" + v + "': a whole number from " + min + " to " + max);
        }

        private static List<Setup> rows(final String v) {
            final List<Setup> out = new ArrayList<>();
            for (final String n : v.split(",")) {
                out.add(ROWS.stream().filter(s -> s.name().equals(n.strip())).findFirst().orElseThrow(
                    () -> new IllegalArgumentException("unknown row '" + n.strip() + "': one of "
                        + String.join(", ", ROWS.stream().map(Setup::name).toList()))));
            }
            return List.copyOf(out);
        }

        private static List<Fault> faults(final String v) {
            final List<Fault> out = new ArrayList<>();
            for (final String n : v.split(",")) {
                out.add(Arrays.stream(Fault.values()).filter(f -> f.name().equalsIgnoreCase(n.strip())).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("unknown fault '" + n.strip()
                        + "': one of kill, link, partition")));
            }
            return List.copyOf(out);
        }
    }
}
