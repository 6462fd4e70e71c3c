package armd.bench;

import armd.base.AgentLog;
import armd.action.ScriptLauncher;
import armd.cluster.ArmsEvent;
import armd.cluster.RunOutcome;
import armd.cluster.Destination;
import armd.cluster.FailureAction;
import armd.cluster.ScriptRun;
import armd.cluster.StopFactor;
import armd.config.ClusterConfig;
import armd.it.Netns;
import armd.probe.ArpProbe;
import armd.probe.ProbeOutcome;
import armd.resource.ResourceLauncher;
import armd.sys.NetNamespace;
import armd.sys.mount.Mount;
import armd.sys.netlink.AddressResult;
import armd.sys.netlink.Rtnetlink;

import java.io.OutputStream;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Wall-clock time of resource activation and release, median of N runs (a harness, not JMH: each run takes a
 * fixed schedule of hundreds of milliseconds, and the figure wanted is the whole operation, not a hot loop).
 *
 * <ul>
 *   <li>floating IP through {@link ResourceLauncher}: start (subnet check, ARP probe with the defaults, rtnetlink
 *       add, 3 gratuitous ARP 100 ms apart) and stop (remove), in a namespace pair on veth; and the parts
 *       alone: {@link ArpProbe#probe(int, int, int, int)}, add + remove, {@link ArpProbe#announce(int, int, int)}.</li>
 *   <li>loop-disk ext4 partition through {@link ResourceLauncher} (no fsck): start (mount table check,
 *       SG_IO attempt, mount(2)) and stop (umount2); and mount(2) + umount2(2) alone.</li>
 * </ul>
 *
 * <p>Root only (namespaces, loop devices). Run after {@code mvn test-compile}:
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp target/test-classes:target/classes:$(cat target/test-classpath.txt) \
 *     armd.bench.ResourceTiming [RUNS]
 * </pre>
 * "Good": the floating IP close to its schedule (about 140 ms probe + 200 ms announcements), the disk in
 * milliseconds.
 */
public final class ResourceTiming {
    private ResourceTiming() {
    }

    /** A launcher stand-in: the scripts are not what is measured. */
    private static final ScriptLauncher NO_SCRIPT = (run, done) -> done.done(RunOutcome.OK, null);


    public static void main(final String[] args) throws Exception {
        final int runs = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        final AgentLog quiet = new AgentLog("bench", new PrintStream(OutputStream.nullOutputStream()));
        floatingIp(runs, quiet);
        disk(runs, quiet);
    }

    private static ClusterConfig config(final ClusterConfig.Resource r) {
        return new ClusterConfig(Path.of("bench.conf"), "bench", Path.of("bench.key"),
            new ClusterConfig.Heartbeat(7000, null, 10, 100), false, 1000, Path.of("state"), Path.of("armd.sock"),
            List.of(new ClusterConfig.Server(0, "s1", List.of(v4("192.0.2.1")))),
            List.of(new ClusterConfig.Group(0, "A", List.of(0), Path.of("start.sh"), Path.of("stop.sh"), 60_000,
                List.of(r))));
    }

    private static Inet4Address v4(final String s) throws RuntimeException {
        try {
            return (Inet4Address) InetAddress.getByName(s);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException(s, e);
        }
    }

    /** Launches {@code run} and returns the time to done, in ns (fails on a false result or after 60 s). */
    private static long timed(final ScriptLauncher l, final ScriptRun run) throws Exception {
        final CompletableFuture<RunOutcome> done = new CompletableFuture<>();
        final long t0 = System.nanoTime();
        l.launch(run, (outcome, reason) -> done.complete(outcome));
        if (done.get(60, TimeUnit.SECONDS) != RunOutcome.OK) {
            throw new IllegalStateException(run.script() + " failed");
        }
        return System.nanoTime() - t0;
    }

    private static final ScriptRun START = new ScriptRun(0, false, ArmsEvent.START, true, 1, null, true);
    private static final ScriptRun STOP = new ScriptRun(0, true, ArmsEvent.START, true, 1, StopFactor.GROUPSTOP, true);

    private static void floatingIp(final int runs, final AgentLog quiet) throws Exception {
        try (Netns n = new Netns("bres")) {
            final String a = n.namespace("a");
            final String b = n.namespace("b");
            n.veth(a, "eth0", b, "eth0");
            n.address(a, "eth0", "192.0.2.1/24");
            n.address(b, "eth0", "192.0.2.2/24");
            final ClusterConfig.FloatingIp ip = new ClusterConfig.FloatingIp("vip", v4("192.0.2.100"), 24, "eth0",
                5, 30_000, false, ClusterConfig.Arp.DEFAULT);
            final long[] start = new long[runs];
            final long[] stop = new long[runs];
            try (ResourceLauncher l = new ResourceLauncher(config(ip), NO_SCRIPT, quiet,
                ResourceLauncher.Settings.defaults().withNetns(a))) {
                for (int i = 0; i < runs; i++) {
                    start[i] = timed(l, START);
                    stop[i] = timed(l, STOP);
                }
            }
            report("floating IP start via ResourceLauncher (check + probe + add + announce)", start);
            report("floating IP stop via ResourceLauncher (remove)", stop);
            final long[] probe = new long[runs];
            final long[] addDel = new long[runs];
            final long[] announce = new long[runs];
            NetNamespace.call(a, () -> {
                final int ifIndex = Rtnetlink.ifIndex("eth0");
                try (ArpProbe p = ArpProbe.open("eth0"); Rtnetlink rt = Rtnetlink.open()) {
                    for (int i = 0; i < runs; i++) {
                        long t0 = System.nanoTime();
                        if (p.probe(ip.addressBits(), ip.arp().probes(), ip.arp().probeSpacingMs(),
                            ip.arp().probeWaitMs()).outcome() != ProbeOutcome.HEALTHY) {
                            throw new IllegalStateException("probe");
                        }
                        probe[i] = System.nanoTime() - t0;
                        t0 = System.nanoTime();
                        final AddressResult r1 = rt.addAddress(ifIndex, ip.address().getAddress(), 24);
                        final AddressResult r2 = rt.deleteAddress(ifIndex, ip.address().getAddress(), 24);
                        addDel[i] = System.nanoTime() - t0;
                        if (r1 != AddressResult.DONE || r2 != AddressResult.DONE) {
                            throw new IllegalStateException(r1 + " " + r2);
                        }
                        t0 = System.nanoTime();
                        p.announce(ip.addressBits(), ip.arp().announcements(), ip.arp().announceSpacingMs());
                        announce[i] = System.nanoTime() - t0;
                    }
                }
                return null;
            });
            report("  ArpProbe.probe, defaults (3 probes 2 ms apart + 6 ms)", probe);
            report("  rtnetlink add + remove", addDel);
            report("  ArpProbe.announce, defaults (3, 100 ms apart)", announce);
        }
    }

    private static void disk(final int runs, final AgentLog quiet) throws Exception {
        final Path dir = Files.createTempDirectory("armd-bench");
        final Path image = dir.resolve("disk.img");
        final Path mp = dir.resolve("mnt");
        Files.createDirectories(mp);
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.setLength(64L << 20);
        }
        final String dev = Netns.run("losetup", "--find", "--show", image.toString()).strip();
        try {
            Netns.run("mkfs.ext4", "-q", "-F", dev);
            final ClusterConfig.Disk disk = new ClusterConfig.Disk("data", Path.of(dev), mp, "ext4", "", false,
                false);
            final long[] start = new long[runs];
            final long[] stop = new long[runs];
            try (ResourceLauncher l = new ResourceLauncher(config(disk), NO_SCRIPT, quiet)) {
                for (int i = 0; i < runs; i++) {
                    start[i] = timed(l, START);
                    stop[i] = timed(l, STOP);
                }
            }
            report("loop disk start via ResourceLauncher (checks + SG_IO attempt + mount)", start);
            report("loop disk stop via ResourceLauncher (umount2)", stop);
            final long[] mount = new long[runs];
            final long[] umount = new long[runs];
            for (int i = 0; i < runs; i++) {
                long t0 = System.nanoTime();
                if (Mount.mount(dev, mp.toString(), "ext4", 0, "") != 0) {
                    throw new IllegalStateException("mount");
                }
                mount[i] = System.nanoTime() - t0;
                t0 = System.nanoTime();
                if (Mount.umount2(mp.toString(), 0) != 0) {
                    throw new IllegalStateException("umount2");
                }
                umount[i] = System.nanoTime() - t0;
            }
            report("  mount(2) ext4 alone", mount);
            report("  umount2(2) alone", umount);
        } finally {
            Mount.umount2(mp.toString(), Mount.MNT_DETACH);
            Netns.tryRun("losetup", "-d", dev);
            Files.deleteIfExists(mp);
            Files.deleteIfExists(image);
            Files.deleteIfExists(dir);
        }
    }

    private static void report(final String what, final long[] ns) {
        final long[] s = ns.clone();
        Arrays.sort(s);
        final List<String> cols = new ArrayList<>();
        cols.add(ms(s[s.length / 2]));
        cols.add(ms(s[0]));
        cols.add(ms(s[Math.min(s.length - 1, (int) Math.ceil(s.length * 0.9) - 1)]));
        cols.add(ms(s[s.length - 1]));
        System.out.println("| " + what + " | " + s.length + " | " + String.join(" | ", cols) + " |");
    }

    private static String ms(final long ns) {
        return String.format("%.2f ms", ns / 1e6);
    }
}
