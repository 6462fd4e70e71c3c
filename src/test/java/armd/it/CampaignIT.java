package armd.it;

import static org.junit.jupiter.api.Assertions.fail;

import armd.cluster.ArmsEvent;
import armd.cluster.StopFactor;
import armd.control.ControlClient;
import armd.control.ControlRequest;
import armd.control.ControlStatus;
import armd.state.StateStore;

import java.io.File;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/**
 * The fault campaign: a seeded random schedule of real faults against three agents under their guardian, each in
 * its own network namespace on a bridge, each with its state directory on a small tmpfs of its own. Groups A
 * (192.0.2.100, policy server1, server2, server3) and B (192.0.2.101; server2, server1, server3) have floating
 * addresses, C (server1, server2, server3) has none; every start and stop script records its ARMS_* environment
 * (the {@link AgentCluster} record file), and a start script takes 0.2 s, so kills land inside scripts too.
 *
 * <p>The schedule is made of rounds of one to three faults, overlapping, each starting up to 2 s into the round and
 * healed after 1 to 8 s: kill -9 of an agent's JVM (restarted at the heal, returned with {@code armd server
 * return}, as the design asks after a crash); kill -9 of a group's holder and then of the server taking it over
 * (after a random delay of up to 0.4 s, or right after its start script began); the link flapping (ip link
 * down/up); a server cut off at the bridge; two servers cut from each other; a one-way cut (at the bridge, or of
 * heartbeats only); heartbeats cut both ways; random loss of 20-50 % in and out (nftables {@code numgen random});
 * the state directory full (a filler file) or read-only (its directory immutable: a read-only remount is refused
 * while the agent holds its lock file open); the control socket flooded (idle and slow connections from
 * another process, garbage from this one); stress-ng on both cores.
 *
 * <p>Checked all along (every 50 ms): no server adds a floating address while another server that it has heard for
 * {@link #HEARD_NS} holds it (rtnetlink events, {@link AddressWatch}); no address is left on a killed agent's
 * server (its guardian removes it); no agent exits that was not killed (a start refused on a full or read-only
 * state directory excepted: it is restarted once the directory is healed); every script run's ARMS_* environment
 * is one the specification allows (docs/behaviour.md#script-environment). After every kill: the state file is
 * whole. After every restart: the state file is whole and the incarnation went up. After every round (every fault
 * healed, killed agents restarted and returned): within {@link #SETTLE_BOUND_S} every agent sees every server
 * NORMAL, each group is online on exactly one server that every agent names, and that server alone holds the
 * group's address.
 *
 * <p>{@code -Darmd.campaign.seed} (default: the clock) and {@code -Darmd.campaign.seconds} (default 45: the time
 * in which new rounds start); {@code -Darmd.campaign.keepGoing=true} records violations and goes on, failing at the
 * end; {@code -Darmd.campaign.strict=true} keeps the fault combinations of open defects ({@link #meetsOpenDefect});
 * scripts/campaign sets both. The seed is printed at the start and in a failure, with the command that replays the
 * same schedule (the same faults, victims, moments and durations; what the processes do in between is the
 * kernel's and the JVMs' timing). The summary line "campaign summary: ..." counts what was done and checked.
 */
class CampaignIT {
    private static final String A_IP = "192.0.2.100/24";
    private static final String B_IP = "192.0.2.101/24";
    private static final Map<String, String> ADDRESSES = Map.of("A", A_IP, "B", B_IP);
    private static final List<String> GROUPS = List.of("A", "B", "C");
    /** Server numbers in each group's policy, as the fixture writes them. */
    private static final Map<String, List<Integer>> POLICY = Map.of("A", List.of(1, 2, 3), "B", List.of(2, 1, 3),
        "C", List.of(1, 2, 3));
    private static final int SERVERS = 3;
    /** After a round's last heal and the returns: every group online exactly once, every agent agreeing. */
    static final int SETTLE_BOUND_S = 90;
    /** With keep-going: how long a round that missed the bound is watched further before the campaign stops. */
    static final int LATE_LIMIT_S = 300;
    /**
     * Two servers that have heard each other this long never both hold an address. Shorter gaps are a takeover
     * decided during a cut that lands just after its heal (then the heal to one is checked at the round's end).
     */
    static final long HEARD_NS = TimeUnit.SECONDS.toNanos(10);
    /** A killed agent's guardian has removed its addresses within this. */
    static final long DEAD_HOLDS_NS = TimeUnit.SECONDS.toNanos(10);

    /** The faults a round draws from. */
    enum Kind {
        KILL, KILL_TAKEOVER, LINK_FLAP, ISOLATION, PAIR_CUT, ONE_WAY_CUT, HEARTBEAT_CUT, LOSS, DISK_FULL,
        DISK_READ_ONLY, CONTROL_FLOOD, CPU_STRESS
    }

    /** One fault of a round: what, on which server (and which other), when, for how long, and a free parameter. */
    record Fault(Kind kind, int victim, int other, long offsetMs, long durationMs, int param) {
        /** Two faults of a round never share this (one kill of any kind a round: at most two agents dead). */
        String resource() {
            return switch (kind) {
                case KILL, KILL_TAKEOVER -> "kill";
                case CPU_STRESS -> "stress";
                case DISK_FULL, DISK_READ_ONLY -> "disk" + victim;
                default -> kind + "" + victim;
            };
        }

        @Override
        public String toString() {
            final String what = switch (kind) {
                case PAIR_CUT -> "server" + (victim + 1) + "/server" + (other + 1);
                case ONE_WAY_CUT -> "server" + (other + 1) + " no longer hears server" + (victim + 1)
                    + (param % 2 == 0 ? " (bridge)" : " (heartbeats)");
                case LOSS -> lossPercent() + " % on server" + (victim + 1);
                case KILL_TAKEOVER -> "holder of " + (param % 2 == 0 ? "A" : "B") + " (else server" + (victim + 1)
                    + "), then its taker " + ((param / 2) % 2 == 0 ? "after " + (param % 400) + " ms"
                    : "once its start began");
                case CPU_STRESS -> "both cores";
                default -> "server" + (victim + 1);
            };
            return kind + " " + what + " at +" + offsetMs + " ms for " + durationMs + " ms";
        }

        int lossPercent() {
            return 20 + param % 31;
        }
    }

    /**
     * The faults of one round, drawn from {@code r} alone (never from what the cluster does: replays match); unless
     * {@code strict}, without the combinations that meet an open defect ({@link #meetsOpenDefect}).
     */
    static List<Fault> plan(final Random r, final boolean strict) {
        final int n = 1 + r.nextInt(3);
        final List<Fault> faults = new ArrayList<>();
        final Set<String> taken = new HashSet<>();
        final Kind[] kinds = Kind.values();
        for (int tries = 0; faults.size() < n && tries < 20; tries++) {
            final int victim = r.nextInt(SERVERS);
            final Fault f = new Fault(kinds[r.nextInt(kinds.length)], victim, (victim + 1 + r.nextInt(2)) % SERVERS,
                r.nextInt(2000), 1000 + r.nextInt(7000), r.nextInt(1000));
            if ((strict || !meetsOpenDefect(faults, f)) && taken.add(f.resource())) {
                faults.add(f);
            }
        }
        return faults;
    }

    /**
     * Whether {@code f} in a round with {@code faults} is a combination that met one of the two defects the
     * campaign found (benchmarks/RELIABILITY.md, "Fault campaign"; both fixed since, seed 4146914249 settles in about
     * a second where it took 150 s, DeferredConnectIT), left out of the short run of the test suite until a long
     * strict campaign has confirmed the fixes (strict runs, as scripts/campaign's, keep them): a state directory fault with a fault that moves a group (a takeover
     * held until the state is saved goes ahead after the heal although the holder is heard again, and retries its
     * address conflict for 150 s); a link flap with a kill (an agent started while its link is down exits 3).
     */
    static boolean meetsOpenDefect(final List<Fault> faults, final Fault f) {
        for (final Fault g : faults) {
            if (openDefect(f, g) || openDefect(g, f)) {
                return true;
            }
        }
        return false;
    }

    private static boolean openDefect(final Fault a, final Fault b) {
        final Set<Kind> stays = Set.of(Kind.LOSS, Kind.CONTROL_FLOOD, Kind.CPU_STRESS, Kind.DISK_FULL,
            Kind.DISK_READ_ONLY);
        final boolean disk = a.kind() == Kind.DISK_FULL || a.kind() == Kind.DISK_READ_ONLY;
        final boolean kill = b.kind() == Kind.KILL || b.kind() == Kind.KILL_TAKEOVER;
        return disk && !stays.contains(b.kind()) || a.kind() == Kind.LINK_FLAP && kill;
    }

    /** Who hears whom: for each pair of servers, whether a fault cuts them now, and when one last did. */
    static final class Links {
        private final int[][] cuts = new int[SERVERS][SERVERS];
        private final long[][] lastCut = new long[SERVERS][SERVERS];

        Links() {
            final long now = System.nanoTime();
            for (final long[] row : lastCut) {
                Arrays.fill(row, now);
            }
        }

        synchronized void cut(final int a, final int b, final boolean on) {
            cuts[a][b] += on ? 1 : -1;
            cuts[b][a] += on ? 1 : -1;
            lastCut[a][b] = System.nanoTime();
            lastCut[b][a] = lastCut[a][b];
        }

        synchronized void cutAll(final int v, final boolean on) {
            for (int o = 0; o < SERVERS; o++) {
                if (o != v) {
                    cut(v, o, on);
                }
            }
        }

        /** How long a and b have heard each other without a cut, in ns (0 while cut). */
        synchronized long heardFor(final int a, final int b) {
            return cuts[a][b] > 0 ? 0 : System.nanoTime() - lastCut[a][b];
        }
    }

    private final Map<String, Long> counts = new TreeMap<>();
    private final List<String> violations = new ArrayList<>();
    private final List<String> rounds = new ArrayList<>();
    private final Links links = new Links();
    private final boolean[] dead = new boolean[SERVERS];
    private final long[] killedAt = new long[SERVERS];
    private final boolean[] needsReturn = new boolean[SERVERS];
    private final long[] incarnationBefore = new long[SERVERS];
    private final Tmpfs[] disks = new Tmpfs[SERVERS];
    /** Every script run recorded so far, one line each, as read by the checker. */
    private final List<String> runs = new ArrayList<>();
    /** Per server and group: the ARMS_EVENT of the last start that brought the group online there. */
    private final Map<String, String> onlineEvent = new HashMap<>();
    private AgentCluster c;
    private AddressWatch w;
    private long seed;
    private int seconds;
    private int round;
    private long settleMaxMs;
    /** Record violations and go on (a long campaign finds more than its first); the end fails all the same. */
    private boolean keepGoing;
    /** Also the combinations that meet an open defect. */
    private boolean strict;

    @Test
    void aSeededScheduleOfRealFaultsKeepsEveryInvariant() throws Exception {
        Netns.assumeRoot();
        Need.that(onPath("nft"), "CampaignIT needs nft (nftables): scripts/setup installs it");
        Need.that(onPath("stress-ng"), "CampaignIT needs stress-ng: scripts/setup installs it");
        Need.that(Files.isExecutable(Path.of("target", "bin", "armguard")),
            "CampaignIT needs target/bin/armguard: run scripts/build first");
        seed = Long.getLong("armd.campaign.seed", System.nanoTime() & 0xffff_ffffL);
        seconds = Integer.getInteger("armd.campaign.seconds", 30);
        keepGoing = Boolean.getBoolean("armd.campaign.keepGoing");
        strict = Boolean.getBoolean("armd.campaign.strict");
        System.out.println("campaign: seed " + seed + ", new rounds for " + seconds + " s; load " + load()
            + "; replay: " + replay());
        if (!strict) {
            System.out.println("campaign: without the fault combinations of two defects found and fixed (a state "
                + "directory fault with a cut or kill, a link flap with a kill: benchmarks/RELIABILITY.md, Fault "
                + "campaign) until a long strict campaign confirms the fixes; -Darmd.campaign.strict=true keeps them");
        }
        final Random random = new Random(seed);
        try (AgentCluster cluster = new AgentCluster("camp", SERVERS, false)) {
            c = cluster;
            try {
                for (int i = 0; i < SERVERS; i++) {
                    disks[i] = Tmpfs.mount(c.dir().resolve("state").resolve("server" + (i + 1)), 1024);
                }
                run(random);
            } finally {
                for (final Tmpfs d : disks) {
                    if (d != null) {
                        d.close();
                    }
                }
            }
        }
    }

    private void run(final Random random) throws Exception {
        final Path start = c.dir().resolve("app-start.sh");
        final Path stop = c.dir().resolve("app-stop.sh");
        Files.writeString(start, "#!/bin/sh\nsleep 0.2\nexit 0\n");
        Files.writeString(stop, "#!/bin/sh\nexit 0\n");
        for (final Path p : List.of(start, stop)) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        for (final String g : GROUPS) {
            c.chain(g, start, stop);
        }
        c.extraConfig("[resource A-ip]\ngroup = A\ntype = ip\naddress = " + A_IP + "\ninterface = eth0\n\n"
            + "[resource B-ip]\ngroup = B\ntype = ip\naddress = " + B_IP + "\ninterface = eth0\n");
        final Map<String, String> ns = new LinkedHashMap<>();
        for (int i = 0; i < SERVERS; i++) {
            ns.put("server" + (i + 1), c.namespace(i));
        }
        try (AddressWatch watch = new AddressWatch(ns)) {
            w = watch;
            c.guarded();
            c.startAll();
            awaitSettled("the cluster settled at start");
            final AtomicBoolean done = new AtomicBoolean();
            final Thread checker = Thread.ofPlatform().daemon().name("campaign-checker").start(() -> check(done));
            try {
                final long endNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
                while (System.nanoTime() - endNs < 0) {
                    round++;
                    final List<Fault> plan = plan(random, strict);
                    rounds.add("round " + round + ": " + String.join("; ", plan.stream().map(Fault::toString)
                        .toList()));
                    System.out.println("campaign " + rounds.getLast() + " (load " + load() + ")");
                    runRound(plan, new Random(random.nextLong()));
                    final long settledMs = endRound();
                    settleMaxMs = Math.max(settleMaxMs, settledMs);
                    System.out.println("campaign round " + round + " healed; settled " + settledMs + " ms later");
                }
            } finally {
                done.set(true);
                checker.join(TimeUnit.SECONDS.toMillis(10));
            }
            checkRuns();
            System.out.println("campaign summary: seed " + seed + ", " + round + " rounds, settled within "
                + settleMaxMs + " ms of a round's last heal at most, load " + load() + ", " + summary()
                + ", violations " + violationCount());
            keepGoing = false;
            failOnViolations("at the end");
        }
    }

    // ---- one round ----

    private void runRound(final List<Fault> plan, final Random random) throws Exception {
        final List<Thread> threads = new ArrayList<>();
        final List<Throwable> errors = new ArrayList<>();
        final long t0 = System.nanoTime();
        int index = 0;
        for (final Fault f : plan) {
            final String chain = "r" + round + "f" + index++;
            final long faultSeed = random.nextLong();
            threads.add(Thread.ofPlatform().name("campaign-" + chain).start(() -> {
                try {
                    sleepUntil(t0, f.offsetMs());
                    inject(f, chain, t0, new Random(faultSeed));
                } catch (Throwable e) {
                    synchronized (errors) {
                        errors.add(e);
                    }
                }
            }));
        }
        for (final Thread t : threads) {
            // every fault ends after its duration (at most 8 s) plus what its heal takes (a restart, a flood's end)
            t.join(TimeUnit.SECONDS.toMillis(120));
            if (t.isAlive()) {
                errors.add(new AssertionError(t.getName() + " did not end within 120 s"));
            }
        }
        if (!errors.isEmpty()) {
            final AssertionError e = new AssertionError(context("injecting or healing a fault failed: "
                + errors.getFirst()), errors.getFirst());
            errors.stream().skip(1).forEach(e::addSuppressed);
            throw e;
        }
    }

    private void inject(final Fault f, final String chain, final long t0, final Random random) throws Exception {
        final int v = f.victim();
        final int o = f.other();
        final long healAtMs = f.offsetMs() + f.durationMs();
        count("fault " + f.kind());
        switch (f.kind()) {
            case KILL -> {
                kill(v, "kill -9");
                sleepUntil(t0, healAtMs);
                restart(v);
            }
            case KILL_TAKEOVER -> killTakeover(f, t0);
            case LINK_FLAP -> {
                links.cutAll(v, true);
                try {
                    while (System.nanoTime() - t0 < TimeUnit.MILLISECONDS.toNanos(healAtMs)) {
                        c.net().exec(c.namespace(v), "ip", "link", "set", "eth0", "down");
                        count("link down");
                        Thread.sleep(100 + random.nextInt(1400));
                        c.net().exec(c.namespace(v), "ip", "link", "set", "eth0", "up");
                        Thread.sleep(100 + random.nextInt(900));
                    }
                } finally {
                    c.net().exec(c.namespace(v), "ip", "link", "set", "eth0", "up");
                    links.cutAll(v, false);
                }
            }
            case ISOLATION -> {
                links.cutAll(v, true);
                Nft.addChain(c.net(), c.hub(), "bridge", chain, "forward",
                    List.of("iifname p" + (v + 1) + " counter drop", "oifname p" + (v + 1) + " counter drop"));
                heal(t0, healAtMs, () -> Nft.removeChain(c.net(), c.hub(), "bridge", chain),
                    () -> links.cutAll(v, false));
            }
            case PAIR_CUT -> {
                links.cut(v, o, true);
                Nft.addChain(c.net(), c.hub(), "bridge", chain, "forward",
                    List.of(Nft.bridgeCut("p" + (v + 1), "p" + (o + 1)), Nft.bridgeCut("p" + (o + 1), "p" + (v + 1))));
                heal(t0, healAtMs, () -> Nft.removeChain(c.net(), c.hub(), "bridge", chain),
                    () -> links.cut(v, o, false));
            }
            case ONE_WAY_CUT -> {
                links.cut(v, o, true);
                if (f.param() % 2 == 0) {
                    Nft.addChain(c.net(), c.hub(), "bridge", chain, "forward",
                        List.of(Nft.bridgeCut("p" + (v + 1), "p" + (o + 1))));
                    heal(t0, healAtMs, () -> Nft.removeChain(c.net(), c.hub(), "bridge", chain),
                        () -> links.cut(v, o, false));
                } else {
                    Nft.addChain(c.net(), c.namespace(o), "inet", chain, "input",
                        List.of("ip saddr " + AgentCluster.address(v) + " udp dport 7405 counter drop"));
                    heal(t0, healAtMs, () -> Nft.removeChain(c.net(), c.namespace(o), "inet", chain),
                        () -> links.cut(v, o, false));
                }
            }
            case HEARTBEAT_CUT -> {
                links.cutAll(v, true);
                Nft.addChain(c.net(), c.namespace(v), "inet", chain + "i", "input",
                    List.of("udp dport 7405 counter drop"));
                Nft.addChain(c.net(), c.namespace(v), "inet", chain + "o", "output",
                    List.of("udp dport 7405 counter drop"));
                heal(t0, healAtMs, () -> {
                    Nft.removeChain(c.net(), c.namespace(v), "inet", chain + "i");
                    Nft.removeChain(c.net(), c.namespace(v), "inet", chain + "o");
                }, () -> links.cutAll(v, false));
            }
            case LOSS -> {
                // lossy, not cut: at 50 % a 1.5 s timeout (75 heartbeats) is never reached
                Nft.addChain(c.net(), c.namespace(v), "inet", chain + "i", "input", List.of(Nft.loss(f.lossPercent())));
                Nft.addChain(c.net(), c.namespace(v), "inet", chain + "o", "output",
                    List.of(Nft.loss(f.lossPercent())));
                heal(t0, healAtMs, () -> {
                    Nft.removeChain(c.net(), c.namespace(v), "inet", chain + "i");
                    Nft.removeChain(c.net(), c.namespace(v), "inet", chain + "o");
                }, () -> { });
            }
            case DISK_FULL -> {
                count("state bytes filled", disks[v].fill());
                heal(t0, healAtMs, disks[v]::free, () -> { });
            }
            case DISK_READ_ONLY -> {
                disks[v].immutable(true);
                heal(t0, healAtMs, () -> disks[v].immutable(false), () -> { });
            }
            case CONTROL_FLOOD -> flood(v, f, t0, healAtMs);
            case CPU_STRESS -> {
                final Process p = new ProcessBuilder("stress-ng", "--cpu", "2", "--timeout",
                    (f.durationMs() / 1000 + 5) + "s", "--quiet").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                heal(t0, healAtMs, () -> end(p), () -> { });
            }
        }
    }

    /** kill -9 of a group's holder, then of the server that takes it over, at a random point of its takeover. */
    private void killTakeover(final Fault f, final long t0) throws Exception {
        final String group = f.param() % 2 == 0 ? "A" : "B";
        final List<String> held = w.holders(ADDRESSES.get(group));
        int holder = held.size() == 1 ? Integer.parseInt(held.getFirst().substring(6)) - 1 : f.victim();
        if (!c.running(holder)) {
            holder = f.victim();
        }
        final int before = runsSeen();
        final boolean first = kill(holder, "kill -9 of a holder");
        int taker = -1;
        if (first && (f.param() / 2) % 2 == 0) {
            Thread.sleep(f.param() % 400);
            for (final int s : POLICY.get(group)) {
                if (s - 1 != holder && c.running(s - 1)) {
                    taker = s - 1;
                    break;
                }
            }
            if (taker >= 0) {
                kill(taker, "kill -9 of the taker during its takeover");
            }
        } else if (first) {
            // the first start script run anywhere else from now on (bounded by the fault's duration)
            final long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(f.durationMs());
            while (taker < 0 && System.nanoTime() - end < 0) {
                for (final String line : runsFrom(before)) {
                    final String[] r = line.split(" ");
                    if (r.length > 1 && r[1].equals("start") && Integer.parseInt(r[0]) - 1 != holder) {
                        taker = Integer.parseInt(r[0]) - 1;
                        break;
                    }
                }
                Thread.sleep(5);
            }
            if (taker < 0 || !kill(taker, "kill -9 of the taker right after its start began")) {
                count("no start to kill");
            }
        }
        sleepUntil(t0, f.offsetMs() + f.durationMs());
        restart(holder);
        if (taker >= 0) {
            restart(taker);
        }
    }

    private void flood(final int v, final Fault f, final long t0, final long healAtMs) throws Exception {
        final List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-Xshare:auto", "-cp", System.getProperty("java.class.path"), ControlFlood.class.getName(),
            c.socket(v).toString(), Integer.toString(32 + f.param() % 96), "8",
            Long.toString(f.durationMs() / 1000 + 2));
        final Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(c.dir().resolve("flood.log").toFile()))
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        final AtomicBoolean stop = new AtomicBoolean();
        final long[] garbage = {0};
        final Thread junk = Thread.ofPlatform().daemon().start(() -> {
            final byte[] bad = "GET / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
            for (int i = 0; i < 5_000 && !stop.get(); i++) {
                try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                    ch.connect(UnixDomainSocketAddress.of(c.socket(v)));
                    ch.write(ByteBuffer.wrap(bad));
                    ch.shutdownOutput();
                    for (int n = 0; n < 100 && ch.read(ByteBuffer.allocate(256)) >= 0; n++) {
                        // the protocol error, then EOF
                    }
                    garbage[0]++;
                } catch (IOException e) {
                    sleep(10);
                }
            }
        });
        heal(t0, healAtMs, () -> {
            stop.set(true);
            junk.join(TimeUnit.SECONDS.toMillis(30));
            end(p);
        }, () -> { });
        count("garbage control requests", garbage[0]);
    }

    /** Sleeps to {@code atMs} after {@code t0}, then heals and marks it healed. */
    private void heal(final long t0, final long atMs, final Step heal, final Runnable healed) throws Exception {
        try {
            sleepUntil(t0, atMs);
        } finally {
            try {
                heal.run();
            } finally {
                healed.run();
            }
        }
    }

    /** Ends the round: every agent running and returned, then every group online exactly once; ms from the heal. */
    private long endRound() throws Exception {
        final long t0 = System.nanoTime();
        for (int i = 0; i < SERVERS; i++) {
            if (!c.running(i)) {
                restart(i);
            }
        }
        for (int i = 0; i < SERVERS; i++) {
            if (needsReturn[i]) {
                returnServer(i);
            }
        }
        awaitSettled(rounds.getLast() + ": every group online exactly once, named by every agent, its address on "
            + "that server alone, every server NORMAL");
        final long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        for (int i = 0; i < SERVERS; i++) {
            stateOf(i);
        }
        checkRuns();
        failOnViolations("after " + rounds.getLast());
        return ms;
    }

    // ---- agents ----

    /** kill -9 of server i's JVM (its guardian stays and releases); false when it is not running. */
    private boolean kill(final int i, final String what) throws Exception {
        synchronized (dead) {
            if (dead[i] || !c.running(i) || deadCount() >= SERVERS - 1) {
                return false;
            }
            dead[i] = true;
            killedAt[i] = System.nanoTime();
        }
        incarnationBefore[i] = incarnation(stateOf(i));
        links.cutAll(i, true);
        try {
            c.kill9(i);
        } catch (IllegalStateException e) {
            // the JVM had already gone (a start refused on a bad state directory): the guardian's exit is the same
            count("kill -9 of an agent already gone");
        }
        count(what);
        stateOf(i);
        return true;
    }

    private int deadCount() {
        int n = 0;
        for (final boolean d : dead) {
            n += d ? 1 : 0;
        }
        return n;
    }

    /** Starts server i's agent again (when it is not running); it comes back isolated until returned. */
    private void restart(final int i) throws Exception {
        synchronized (dead) {
            if (c.running(i)) {
                return;
            }
            stateOf(i);
            c.start(i);
            dead[i] = false;
            needsReturn[i] = true;
        }
        links.cutAll(i, false);
        count("restart");
    }

    /** Waits until server i's restarted agent is isolated (or already back), returns it, checks its incarnation. */
    private void returnServer(final int i) throws Exception {
        final String me = "server" + (i + 1);
        final Pattern state = Pattern.compile("(?m)^\\s+" + me + "\\s+(ISOLATED|NORMAL)$");
        final long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(SETTLE_BOUND_S);
        while (true) {
            final String status = statusOrNull(i);
            final Matcher m = status == null ? null : state.matcher(status);
            if (m != null && m.find()) {
                if (m.group(1).equals("NORMAL")) {
                    break;
                }
                final ControlClient.Reply r = new ControlClient(c.socket(i), 30_000)
                    .call(new ControlRequest.ServerReturn(Optional.empty()));
                if (r.status() == ControlStatus.OK) {
                    count("armd server return");
                    break;
                }
            }
            if (System.nanoTime() - end > 0) {
                violation(me + " restarted but not isolated or normal within " + SETTLE_BOUND_S + " s: " + status);
                keepGoing = false;
                failOnViolations("returning " + me);
            }
            Thread.sleep(200);
        }
        needsReturn[i] = false;
        final long now = incarnation(stateOf(i));
        if (now <= incarnationBefore[i]) {
            violation(me + "'s incarnation did not go up across its restart: " + incarnationBefore[i] + " then " + now);
        }
    }

    /** Server i's state file, loaded as the agent would (a file that is not whole is a violation). */
    private Map<String, String> stateOf(final int i) {
        count("state file checks");
        try {
            return new StateStore(c.dir().resolve("state").resolve("server" + (i + 1)).resolve("state")).load();
        } catch (IOException e) {
            violation("server" + (i + 1) + "'s state file does not load: " + e.getMessage());
            return Map.of();
        }
    }

    private static long incarnation(final Map<String, String> state) {
        return Long.parseUnsignedLong(state.getOrDefault("incarnation", "0").trim());
    }

    private String statusOrNull(final int i) {
        try {
            final ControlClient.Reply r = new ControlClient(c.socket(i), 10_000)
                .call(new ControlRequest.Status(false));
            return r.status() == ControlStatus.OK ? r.text() : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /**
     * Polls until every group is online exactly once as every agent and the kernel say. Past
     * {@link #SETTLE_BOUND_S} that is a violation; with keep-going the campaign watches on up to
     * {@link #LATE_LIMIT_S} (to tell a slow settle from none: the evidence a report needs) and goes on when it
     * came. Never settled by then fails at once.
     */
    private void awaitSettled(final String what) throws Exception {
        final long t0 = System.nanoTime();
        final long bound = t0 + TimeUnit.SECONDS.toNanos(SETTLE_BOUND_S);
        final long limit = t0 + TimeUnit.SECONDS.toNanos(keepGoing ? LATE_LIMIT_S : SETTLE_BOUND_S);
        String first = null;
        while (true) {
            count("settle polls");
            final String last = unsettled();
            if (last == null) {
                if (first != null) {
                    violation("settled only " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) + " ms after "
                        + what + "; at " + SETTLE_BOUND_S + " s: " + first);
                }
                return;
            }
            if (first == null && System.nanoTime() - bound > 0) {
                first = last;
            }
            if (System.nanoTime() - limit > 0) {
                violation("not settled within " + (keepGoing ? LATE_LIMIT_S : SETTLE_BOUND_S) + " s: " + what
                    + "; at " + SETTLE_BOUND_S + " s: " + first + "; last seen: " + last);
                keepGoing = false;
                failOnViolations(what);
            }
            Thread.sleep(200);
        }
    }

    /** What keeps the cluster from being settled, or null. */
    private String unsettled() {
        final Pattern server = Pattern.compile("(?m)^  (server\\d)\\s+(\\S+)$");
        final Map<String, String> where = new HashMap<>();
        for (int i = 0; i < SERVERS; i++) {
            final String s = statusOrNull(i);
            if (s == null) {
                return "server" + (i + 1) + " does not answer";
            }
            final Matcher m = server.matcher(s);
            int normal = 0;
            while (m.find()) {
                if (!m.group(2).equals("NORMAL")) {
                    return "server" + (i + 1) + " sees " + m.group(1) + " " + m.group(2);
                }
                normal++;
            }
            if (normal != SERVERS) {
                return "server" + (i + 1) + " lists " + normal + " servers NORMAL";
            }
            for (final String g : GROUPS) {
                final Matcher gm = Pattern.compile("(?m)^  " + g + "\\s+(\\S+)\\s+(.*)$").matcher(s);
                if (!gm.find()) {
                    return "server" + (i + 1) + " does not list group " + g;
                }
                final Matcher on = Pattern.compile("^on (\\S+)").matcher(gm.group(2));
                if (!gm.group(1).equals("online") || !on.find()) {
                    return "server" + (i + 1) + ": group " + g + " " + gm.group(1) + " " + gm.group(2);
                }
                final String at = on.group(1);
                final String before = where.putIfAbsent(g, at);
                if (before != null && !before.equals(at)) {
                    return "group " + g + ": " + before + " for one agent, " + at + " for server" + (i + 1);
                }
            }
        }
        for (final Map.Entry<String, String> a : ADDRESSES.entrySet()) {
            final List<String> holders = w.holders(a.getValue());
            if (!holders.equals(List.of(where.get(a.getKey())))) {
                return "group " + a.getKey() + " online on " + where.get(a.getKey()) + ", its address held by "
                    + holders;
            }
        }
        return null;
    }

    // ---- the checks made all along ----

    private void check(final AtomicBoolean stop) {
        final Map<String, Set<String>> before = new HashMap<>();
        final boolean[] reported = new boolean[SERVERS];
        // bounded: the campaign's seconds, its rounds' settling, and an hour to spare
        final long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds + 3600L);
        while (!stop.get() && System.nanoTime() - end < 0) {
            for (final Map.Entry<String, String> a : ADDRESSES.entrySet()) {
                final Set<String> now = new TreeSet<>(w.holders(a.getValue()));
                for (final String x : now) {
                    if (before.getOrDefault(a.getKey(), Set.of()).contains(x)) {
                        continue;
                    }
                    for (final String y : now) {
                        final long heard = y.equals(x) ? 0 : links.heardFor(index(x), index(y));
                        if (heard > HEARD_NS) {
                            violation(x + " added " + a.getValue() + " (group " + a.getKey() + ") while " + y
                                + " held it, though they had heard each other for "
                                + TimeUnit.NANOSECONDS.toMillis(heard) + " ms");
                        }
                    }
                }
                before.put(a.getKey(), now);
                count("address checks");
                for (int i = 0; i < SERVERS; i++) {
                    final boolean gone;
                    synchronized (dead) {
                        gone = dead[i] && System.nanoTime() - killedAt[i] > DEAD_HOLDS_NS;
                    }
                    if (gone && now.contains("server" + (i + 1))) {
                        violation("server" + (i + 1) + "'s agent was killed over 10 s ago and " + a.getValue()
                            + " is still on its interface");
                    }
                }
            }
            for (int i = 0; i < SERVERS; i++) {
                final boolean exited;
                synchronized (dead) {
                    exited = !dead[i] && !c.running(i);
                    if (exited) {
                        dead[i] = true;
                        killedAt[i] = System.nanoTime();
                    }
                }
                if (exited) {
                    links.cutAll(i, true);
                    if (refusedBadStateDirectory(i)) {
                        count("start refused on a full or read-only state directory");
                    } else if (!reported[i]) {
                        reported[i] = true;
                        violation("server" + (i + 1) + "'s agent exited without being killed");
                    }
                }
            }
            checkRuns();
            sleep(50);
        }
    }

    private boolean refusedBadStateDirectory(final int i) {
        try {
            final List<String> lines = Files.readAllLines(c.log(i));
            return lines.subList(Math.max(0, lines.size() - 5), lines.size()).stream()
                .anyMatch(l -> l.contains("armd run: state directory "));
        } catch (IOException e) {
            return false;
        }
    }

    private int runsSeen() {
        synchronized (runs) {
            return runs.size();
        }
    }

    private List<String> runsFrom(final int from) {
        synchronized (runs) {
            return List.copyOf(runs.subList(Math.min(from, runs.size()), runs.size()));
        }
    }

    /**
     * Reads the script runs recorded since the last call and checks each environment against the specification
     * (docs/behaviour.md#script-environment): priority is the server's place in the group's policy, HOME exactly at
     * priority 1, a start has a known event, no factor and SUCCESS (no disks here); a stop shows the event of the
     * start that brought the group online on that server (never RECOVER) and GROUPFAILOVER, the one stop this
     * campaign causes (a copy yielding after a heal, a start that cannot keep its address).
     */
    private void checkRuns() {
        synchronized (runs) {
            final List<String> all;
            try {
                all = c.records();
            } catch (IOException e) {
                return;
            }
            for (final String line : all.subList(Math.min(runs.size(), all.size()), all.size())) {
                runs.add(line);
                count("script environments checked");
                final String why = disallowed(line);
                if (why != null) {
                    violation("script run '" + line + "': " + why);
                }
            }
        }
    }

    private String disallowed(final String line) {
        final String[] f = line.split(" ");
        if (f.length != 8) {
            return "not 8 fields";
        }
        final int server = Integer.parseInt(f[0]);
        final String group = f[2];
        final List<Integer> policy = POLICY.get(group);
        if (policy == null || !policy.contains(server)) {
            return "no such group or server";
        }
        final int priority = policy.indexOf(server) + 1;
        if (!f[5].equals(Integer.toString(priority))) {
            return "ARMS_PRIORITY is not " + priority;
        }
        if (!f[4].equals(priority == 1 ? "HOME" : "OTHER")) {
            return "ARMS_SERVER does not match priority " + priority;
        }
        if (!f[7].equals("SUCCESS")) {
            return "ARMS_DISK is not SUCCESS (the groups have no disk)";
        }
        final String key = server + group;
        if (f[1].equals("start")) {
            if (Arrays.stream(ArmsEvent.values()).noneMatch(e -> e.name().equals(f[3])) || !f[6].equals("-")) {
                return "a start with an unknown event or with a factor";
            }
            if (!f[3].equals("RECOVER")) {
                onlineEvent.put(key, f[3]);
            }
            return null;
        }
        if (Arrays.stream(StopFactor.values()).noneMatch(s -> s.name().equals(f[6]))) {
            return "a stop with an unknown factor";
        }
        if (!f[6].equals(StopFactor.GROUPFAILOVER.name())) {
            return "a stop the campaign causes no reason for";
        }
        final String started = onlineEvent.remove(key);
        if (started == null) {
            return "a stop with no start before it on this server";
        }
        return f[3].equals(started) ? null : "a stop showing " + f[3] + " after a " + started + " start";
    }

    // ---- reporting ----

    private void violation(final String what) {
        final String line = Instant.now() + " round " + round + ": " + what;
        System.out.println("campaign VIOLATION: " + line);
        synchronized (violations) {
            violations.add(line);
        }
    }

    private int violationCount() {
        synchronized (violations) {
            return violations.size();
        }
    }

    private void failOnViolations(final String when) {
        synchronized (violations) {
            if (violations.isEmpty() || keepGoing) {
                return;
            }
            fail(context(violations.size() + " violation(s) " + when + ":\n" + String.join("\n", violations)));
        }
    }

    private String context(final String what) {
        final List<AddressWatch.Event> events = w == null ? List.of() : w.events();
        return "campaign seed " + seed + " (replay: " + replay() + ")\n" + what + "\n" + String.join("\n", rounds)
            + "\ncounts: " + summary() + "\naddress events (last 60):\n"
            + String.join("\n", events.subList(Math.max(0, events.size() - 60), events.size()).stream()
                .map(Object::toString).toList()) + "\n" + c.diagnostics();
    }

    private String replay() {
        final String mvn = "mvn -B verify -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=CampaignIT "
            + "-Darmd.campaign.seed=" + seed + " -Darmd.campaign.seconds=" + seconds;
        return strict ? "scripts/campaign --it-only --seed " + seed + " --seconds " + seconds + ", or " + mvn
            + " -Darmd.campaign.strict=true" : mvn;
    }

    private void count(final String what) {
        count(what, 1);
    }

    private void count(final String what, final long n) {
        synchronized (counts) {
            counts.merge(what, n, Long::sum);
        }
    }

    private String summary() {
        synchronized (counts) {
            return String.join(", ", counts.entrySet().stream().map(e -> e.getKey() + " " + e.getValue()).toList());
        }
    }

    private static String load() {
        try {
            final String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "?";
        }
    }

    // ---- small helpers ----

    /** A heal step that may throw. */
    private interface Step {
        void run() throws Exception;
    }

    /** Ends a process this test started, and what it forked (stress-ng's workers), by PID. */
    private static void end(final Process p) throws InterruptedException {
        final List<ProcessHandle> children = p.descendants().toList();
        p.destroy();
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
        children.forEach(ProcessHandle::destroyForcibly);
    }

    private static int index(final String server) {
        return Integer.parseInt(server.substring("server".length())) - 1;
    }

    private static void sleepUntil(final long t0, final long atMs) throws InterruptedException {
        final long left = TimeUnit.MILLISECONDS.toNanos(atMs) - (System.nanoTime() - t0);
        if (left > 0) {
            TimeUnit.NANOSECONDS.sleep(left);
        }
    }

    private static void sleep(final long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static boolean onPath(final String command) {
        final List<String> dirs = new ArrayList<>(List.of(System.getenv().getOrDefault("PATH", "").split(":")));
        dirs.addAll(List.of("/usr/sbin", "/sbin", "/usr/bin", "/bin"));
        return dirs.stream().anyMatch(d -> !d.isEmpty() && Files.isExecutable(Path.of(d, command)));
    }
}
