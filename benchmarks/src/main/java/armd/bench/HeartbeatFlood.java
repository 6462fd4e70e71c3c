package armd.bench;

import armd.control.ControlClient;
import armd.control.ControlRequest;
import armd.it.AgentCluster;
import armd.it.Netns;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Forged-heartbeat floods against two real agents in network namespaces (default heartbeat, 10 ms / 100 ms,
 * multicast): a third namespace on the same bridge runs {@link HeartbeatFloodGen} at a fixed rate for a fixed
 * time, and the harness counts the agents' "is down" declarations during the flood (false: nothing failed),
 * their CPU time (utime + stime from /proc), and the drops their status reports by reason. Kinds: those of
 * the generator, {@code spoofed} (bad-MAC frames sent from server2's own address, which the kernel filter
 * cannot tell from server2's), and {@code none} (no flood: the control).
 *
 * <p>Usage (root): {@code benchmarks/heartbeat-flood.sh [SECONDS] [KIND:RATE ...]}, default 60 s and
 * {@code none:0 bad-mac:50000 foreign:50000} (none: no flood, the control); prints one Markdown row per run.
 */
public final class HeartbeatFlood {
    private static final long TICKS_PER_S = 100; // USER_HZ on Linux

    private HeartbeatFlood() {
    }

    public static void main(final String[] args) throws Exception {
        Netns.assumeRoot();
        final int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 60;
        final List<String> runs = args.length > 1 ? List.of(args).subList(1, args.length)
            : List.of("none:0", "bad-mac:50000", "foreign:50000");
        System.out.println("| flood | rate (frames/s) | seconds | frames sent | false \"down\" (by server1 / server2) "
            + "| agent CPU (% of one core, server1 / server2) | drops counted by server1 |");
        System.out.println("|---|---|---|---|---|---|---|");
        for (final String run : runs) {
            final String kind = run.substring(0, run.indexOf(':'));
            final int rate = Integer.parseInt(run.substring(run.indexOf(':') + 1));
            System.out.println(once(kind, rate, seconds));
        }
    }

    private static String once(final String kind, final int rate, final int seconds) throws Exception {
        try (AgentCluster c = new AgentCluster("hf", 2, false, new AgentCluster.Heartbeat(10, 100, true))) {
            final String fl = c.net().namespace("fl");
            c.net().veth(fl, "eth0", c.hub(), "pf");
            c.net().attach(c.hub(), "pf", "br0");
            c.net().address(fl, "eth0", "192.0.2.50/24");
            final boolean spoofed = kind.equals("spoofed");
            if (spoofed) {
                // server2's address on the flooder too, which never answers ARP for it (server1's crash probes
                // to server2 must still reach server2)
                Netns.run("ip", "netns", "exec", fl, "sysctl", "-q", "-w", "net.ipv4.conf.all.arp_ignore=8");
                Netns.run("ip", "netns", "exec", fl, "sysctl", "-q", "-w", "net.ipv4.conf.eth0.arp_ignore=8");
                Netns.run("ip", "-n", fl, "addr", "add", AgentCluster.address(1) + "/32", "dev", "eth0", "nodad");
            }
            c.startAll();
            c.awaitRecords(3, 60);
            settle(c);
            final int[] marks = {lines(c.log(0)).size(), lines(c.log(1)).size()};
            final long[] cpu0 = {cpuTicks(c.pid(0)), cpuTicks(c.pid(1))};
            final long t0 = System.nanoTime();
            final String out;
            if (kind.equals("none")) {
                Thread.sleep(seconds * 1000L);
                out = "sent 0";
            } else {
                // the generator at real-time priority 1: it offers its rate even on a busy machine, as a flood
                // from another host would (the network stack runs it in softirq, ahead of every task anyway)
                final List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", fl, "chrt", "-f", "1",
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-XX:+UseSerialGC",
                    "-cp", System.getProperty("java.class.path"), HeartbeatFloodGen.class.getName(),
                    spoofed ? "bad-mac" : kind, "it", "239.192.0.1", "7405", Integer.toString(rate),
                    Integer.toString(seconds), "eth0"));
                if (spoofed) {
                    cmd.add(AgentCluster.address(1));
                }
                final Process gen = new ProcessBuilder(cmd).redirectErrorStream(true).start();
                try {
                    if (!gen.waitFor(seconds + 60, TimeUnit.SECONDS)) {
                        throw new IOException("the flood generator did not end");
                    }
                    out = new String(gen.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
                } finally {
                    gen.destroyForcibly();
                }
            }
            final double wallS = (System.nanoTime() - t0) / 1e9;
            final long[] cpu1 = {cpuTicks(c.pid(0)), cpuTicks(c.pid(1))};
            final long[] downs = new long[2];
            for (int i = 0; i < 2; i++) {
                final List<String> ls = lines(c.log(i));
                downs[i] = ls.subList(Math.min(marks[i], ls.size()), ls.size()).stream()
                    .filter(l -> l.contains(" is down: ")).count();
            }
            final String json = new ControlClient(c.socket(0), 30_000).call(new ControlRequest.Status(true)).text();
            final Matcher sent = Pattern.compile("sent (\\d+)").matcher(out);
            return String.format(Locale.ROOT, "| %s | %d | %d | %s | %d (%d / %d) | %.0f / %.0f | %s |", kind, rate,
                seconds, sent.find() ? sent.group(1) : "? (" + out + ")", downs[0] + downs[1], downs[0], downs[1],
                100.0 * (cpu1[0] - cpu0[0]) / TICKS_PER_S / wallS, 100.0 * (cpu1[1] - cpu0[1]) / TICKS_PER_S / wallS,
                drops(json));
        }
    }

    /**
     * Waits until neither agent has declared the other down for 3 s (a loaded machine can make the start-up
     * itself late: that is not what is measured here); at most 120 s.
     */
    private static void settle(final AgentCluster c) throws Exception {
        final long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        long downs = -1;
        while (System.nanoTime() - end < 0) {
            final long now = downs(c);
            if (now == downs) {
                return;
            }
            downs = now;
            Thread.sleep(3_000);
        }
        throw new IllegalStateException("the cluster did not settle within 120 s:\n" + c.diagnostics());
    }

    private static long downs(final AgentCluster c) {
        long n = 0;
        for (int i = 0; i < 2; i++) {
            n += lines(c.log(i)).stream().filter(l -> l.contains(" is down: ")).count();
        }
        return n;
    }

    /** The non-zero drop counters of a status JSON's "heartbeats" object. */
    private static String drops(final String json) {
        final Matcher m = Pattern.compile("\"dropped\":\\{([^}]*)}").matcher(json);
        if (!m.find()) {
            return "?";
        }
        final List<String> nonZero = new ArrayList<>();
        for (final String kv : m.group(1).split(",")) {
            if (!kv.endsWith(":0")) {
                nonZero.add(kv.replace("\"", "").replace(':', ' '));
            }
        }
        final Matcher k = Pattern.compile("\"kernel_dropped\":(\\d+)").matcher(json);
        if (k.find() && !k.group(1).equals("0")) {
            nonZero.add("in the kernel " + k.group(1));
        }
        return nonZero.isEmpty() ? "none" : String.join(", ", nonZero);
    }

    /** utime + stime of process {@code pid}, in clock ticks. */
    private static long cpuTicks(final long pid) throws IOException {
        final String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        final String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        // after "pid (comm) ": state is field 3, so utime (14) and stime (15) are f[11] and f[12]
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    private static List<String> lines(final Path log) {
        try {
            return Files.exists(log) ? Files.readAllLines(log) : List.of();
        } catch (IOException e) {
            return List.of();
        }
    }
}
