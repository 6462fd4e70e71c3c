package armd.vm;

import armd.cluster.FailureAction;
import armd.sys.SysException;
import com.sun.nio.file.ExtendedOpenOption;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The SCSI cases, run inside the test guest by {@link ScsiVmIT} as one JVM: TEST UNIT READY through armd on
 * qemu's emulated disk and CD drive and on scsi_debug, with faults injected by the host over QMP
 * ({@link HostLink}) or inside the guest (sysfs, scsi_debug). sg_turs and sg_raw (sg3-utils) run beside armd as
 * the reference where the kernel's answer matters. The disk monitor ({@link armd.monitor.MonitorEngine}, parsed
 * from a configuration) runs on the emulated disk and its failure goes to the failover state machine of a
 * simulated two-server cluster ({@link MonitoredPair}).
 *
 * <p>Prints {@code ARMD-CASE PASS name<TAB>ms} or {@code FAIL name<TAB>why} per case and exits 1 when a case
 * failed. The cases run in order and share the guest's state (the CD is ejected once, and so on).
 */
public final class ScsiGuest {
    static final String CASE_MARK = "ARMD-CASE ";
    static final String FIGURE_MARK = "ARMD-FIGURE ";
    private static final Duration TOOL_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration SETTLE_TIMEOUT = Duration.ofSeconds(60);
    private static final int TUR_TIMEOUT_MS = 10_000;
    private static final int HANG_TIMEOUT_MS = 2_000;
    private static final int NOT_READY = 2;
    private static final int UNIT_ATTENTION = 6;
    private static final int SD_READY_MS = 10_000;
    private static final int UNPLUG_ROUNDS = 3;
    private static final int MONITOR_ROUNDS = 3;
    /** Commands the healthy disk completes under its monitor (20 ms apart: about a second) with no report. */
    private static final int QUIET_PROBES = 50;
    /** Commands completed before a fault is injected: the monitor is past its activation probe. */
    private static final int FIRST_PROBES = 3;
    /** The product string of the blkdebug disk (scripts/vm/qemu --bad). */
    private static final String BAD_MODEL = "ARMD BAD MEDIUM";
    private static final Path SG_CLASS = Path.of("/sys/class/scsi_generic");
    private static final Path SCSI_DEBUG = Path.of("/sys/bus/pseudo/drivers/scsi_debug");
    /** busybox and scsi_debug.ko, put there by the guest's init (the host has no modules for this kernel). */
    private static final Path VM_TOOLS = Path.of("/tmp/vm");

    private final HostLink host;
    private final Map<String, Case> cases = new LinkedHashMap<>();
    private String disk;
    private String cd;
    private String debug;

    @FunctionalInterface
    private interface Case {
        void run() throws Exception;
    }

    private ScsiGuest(final HostLink host) {
        this.host = host;
        cases.put("host link answers QMP", this::hostLink);
        cases.put("disk: GOOD", this::diskGood);
        cases.put("disk: TUR latency", this::diskLatency);
        cases.put("bad medium (blkdebug): a read gets MEDIUM ERROR 3/11/00, TEST UNIT READY stays GOOD",
            this::badMedium);
        cases.put("cd: eject, sg_turs: UNIT ATTENTION 3a/00 then NOT READY 3a/00", this::cdEjectReference);
        cases.put("cd: new medium, sg_turs: UNIT ATTENTION 3a/00, 28/00, then GOOD", this::cdChangeMediumReference);
        cases.put("cd: eject: NOT READY 3a/00 medium not present", this::cdEject);
        cases.put("cd: new medium: UNIT ATTENTION 28/00 after one retry, then GOOD", this::cdChangeMedium);
        cases.put("disk: offline in sysfs gives ENXIO", this::diskOffline);
        cases.put("disk: unplugged: ENODEV on the open descriptor, ENOENT on a new open; plugged back: GOOD",
            this::diskUnplug);
        cases.put("disk monitor: quiet while the disk is healthy", this::monitorQuiet);
        cases.put("disk monitor: unplugged disk: failed(), group A fails over to server2", this::monitorUnplug);
        cases.put("disk monitor: a device without SG_IO is one configuration error, no failure",
            this::monitorNotScsi);
        cases.put("scsi_debug: NOT READY 04/01 becoming ready, then GOOD", this::debugBecomingReady);
        cases.put("scsi_debug: NOT READY 04/02 after a stop", this::debugStopped);
        cases.put("scsi_debug: UNIT ATTENTION 2a/09 after a capacity change is retried", this::debugCapacity);
        cases.put("scsi_debug: ignored command is a timeout though the status is GOOD", this::debugTimeout);
    }

    /** Runs every case; exit 0 when all passed. */
    public static void main(final String[] args) throws IOException {
        int failed = 0;
        try (HostLink host = HostLink.open()) {
            final ScsiGuest g = new ScsiGuest(host);
            for (final Map.Entry<String, Case> c : g.cases.entrySet()) {
                final long startNs = System.nanoTime();
                System.out.println("--- " + c.getKey());
                try {
                    c.getValue().run();
                    final long ms = (System.nanoTime() - startNs) / 1_000_000;
                    System.out.println(CASE_MARK + "PASS " + c.getKey() + "\t" + ms + " ms");
                } catch (Exception | AssertionError e) {
                    failed++;
                    e.printStackTrace(System.out);
                    System.out.println(CASE_MARK + "FAIL " + c.getKey() + "\t" + String.valueOf(e.getMessage())
                        .replace('\n', ' '));
                }
            }
        }
        System.out.flush();
        System.exit(failed == 0 ? 0 : 1);
    }

    // ---- the cases

    private void hostLink() throws IOException {
        final String reply = host.qmp("{\"execute\":\"query-status\"}");
        check(reply.contains("\"running\""), "query-status: " + reply);
        disk = waitForSg("QEMU HARDDISK");
        cd = waitForSg("QEMU CD-ROM");
        // the kernel's own media polling would take the CD's UNIT ATTENTIONs before the probe sees them
        for (final Path block : blockDevices(cd)) {
            Files.writeString(block.resolve("events_poll_msecs"), "0\n");
        }
        System.out.println("disk " + disk + ", cd " + cd);
    }

    private void diskGood() throws IOException {
        final TurView ref = sgTurs(disk);
        check(ref.exitCode() == 0, "sg_turs on the disk: " + ref);
        final TurView t = armd(disk);
        expect(t, "HEALTHY", "GOOD");
        check(t.tries() == 1 && t.status() == 0 && t.hostStatus() == 0, "one try, status GOOD: " + t);
        // the command line, once (a JVM start costs seconds under emulation): exit 0 and the JSON line
        final TurView cli = armdCli(disk);
        expect(cli, "HEALTHY", "GOOD");
        check(cli.exitCode() == 0, "armd probe tur exits 0: " + cli);
    }

    private void diskLatency() {
        final int warmup = 500;
        final int n = 2000;
        final List<Long> us = new ArrayList<>(n);
        try (ArmdTur p = ArmdTur.open(disk, TUR_TIMEOUT_MS)) {
            for (int i = 0; i < warmup + n; i++) {
                final TurView t = p.probe();
                check("HEALTHY".equals(t.outcome()), "every probe GOOD: " + t);
                if (i >= warmup) {
                    us.add(t.latencyUs());
                }
            }
        }
        figure("tur_disk_us", us);
    }

    /**
     * The guide's warning: TEST UNIT READY does no I/O, so it finds adapter and cable faults but not media errors.
     * The disk behind qemu's blkdebug fails every read (MEDIUM ERROR 3/11/00, unrecovered read error); armd's
     * probe on the same device, through its sg and its block device, still reports GOOD.
     */
    private void badMedium() throws IOException {
        final String sg = waitForSg(BAD_MODEL);
        final String sd = blockDevice(sg);
        final Tools.Output read = Tools.run(List.of("sg_raw", "-vv", "-r", "512", sg,
            "28", "00", "00", "00", "00", "00", "00", "00", "01", "00"), TOOL_TIMEOUT);
        System.out.println("  " + sg + ": sg_raw READ(10) " + read.toString().replace('\n', '|'));
        final String r = read.stdout() + read.stderr();
        check(read.exitCode() != 0 && r.contains("Medium Error") && r.contains("Unrecovered read error"),
            "READ(10) through SG_IO: CHECK CONDITION, MEDIUM ERROR 3/11/00: " + read);
        final String direct = directRead(sd);
        check(direct != null && direct.contains("No data available"),
            "an O_DIRECT read of " + sd + " fails with ENODATA (the block layer's medium error): " + direct);
        final TurView ref = sgTurs(sg);
        check(ref.exitCode() == 0, "sg_turs on the bad disk: GOOD: " + ref);
        final TurView t = armd(sg);
        expect(t, "HEALTHY", "GOOD");
        check(t.tries() == 1 && t.status() == 0 && t.hostStatus() == 0, "one try, status GOOD: " + t);
        expect(armd(sd), "HEALTHY", "GOOD");
    }

    /** Reads the first 4 KiB of {@code blockDev} bypassing the page cache; null when it worked, else the error. */
    private static String directRead(final String blockDev) throws IOException {
        final int bytes = 4096;
        try (FileChannel ch = FileChannel.open(Path.of(blockDev), StandardOpenOption.READ, ExtendedOpenOption.DIRECT)) {
            final ByteBuffer buf = ByteBuffer.allocateDirect(2 * bytes).alignedSlice(bytes);
            buf.limit(bytes);
            final int n = ch.read(buf, 0);
            System.out.println("  " + blockDev + ": O_DIRECT read " + n + " bytes");
            return null;
        } catch (IOException e) {
            // the kernel reports a medium error on the block layer as ENODATA ("No data available")
            System.out.println("  " + blockDev + ": O_DIRECT read: " + e);
            return e.getMessage();
        }
    }

    private void cdEjectReference() throws IOException {
        eject();
        final TurView first = sgTurs(cd);
        check(first.exitCode() == UNIT_ATTENTION && first.sense(6, 0x3a, 0), "UA 3a/00 after the eject: " + first);
        final TurView second = sgTurs(cd);
        check(second.exitCode() == NOT_READY && second.sense(2, 0x3a, 0), "then NOT READY 3a/00: " + second);
    }

    private void cdChangeMediumReference() throws IOException {
        changeMedium();
        final List<TurView> seen = new ArrayList<>();
        final long endNs = System.nanoTime() + SETTLE_TIMEOUT.toNanos();
        do {
            seen.add(sgTurs(cd));
        } while (seen.getLast().exitCode() != 0 && System.nanoTime() - endNs < 0 && seen.size() < 5);
        check(seen.size() == 3 && seen.get(0).sense(6, 0x3a, 0) && seen.get(1).sense(6, 0x28, 0)
            && seen.get(2).exitCode() == 0, "UA 3a/00, UA 28/00, GOOD: " + seen);
    }

    private void cdEject() throws IOException {
        eject();
        final TurView t = armd(cd);
        expect(t, "FAULT", "NOT_READY");
        check(t.sense(2, 0x3a, 0) && t.tries() == 2 && t.detail().contains("medium not present"),
            "3a/00 medium not present, after retrying the UNIT ATTENTION once: " + t);
        final TurView again = armd(cd);
        expect(again, "FAULT", "NOT_READY");
        check(again.sense(2, 0x3a, 0) && again.tries() == 1, "still NOT READY 3a/00, one try: " + again);
    }

    private void cdChangeMedium() throws IOException {
        changeMedium();
        // UNIT ATTENTION 3a/00, then 28/00 (medium may have changed): the one retry meets the second
        final TurView t = armd(cd);
        expect(t, "FAULT", "UNIT_ATTENTION");
        check(t.sense(6, 0x28, 0) && t.tries() == 2, "UA 28/00 on the retry: " + t);
        final TurView then = armd(cd);
        expect(then, "HEALTHY", "GOOD");
    }

    private void eject() throws IOException {
        host.qmp("{\"execute\":\"eject\",\"arguments\":{\"id\":\"cd0\",\"force\":true}}");
    }

    private void changeMedium() throws IOException {
        host.qmp("{\"execute\":\"blockdev-change-medium\",\"arguments\":{\"id\":\"cd0\",\"filename\":\""
            + System.getenv("ARMD_VM_CD2") + "\",\"format\":\"raw\",\"read-only-mode\":\"read-only\"}}");
    }

    private void diskOffline() throws IOException {
        final Path state = SG_CLASS.resolve(name(disk)).resolve("device/state");
        Files.writeString(state, "offline\n");
        try {
            final TurView ref = sgTurs(disk);
            check(ref.errno() == TurView.ENXIO, "sg_turs on an offline disk: " + ref);
            final TurView t = armd(disk);
            check(t.errno() == TurView.ENXIO && !"HEALTHY".equals(t.outcome()) && t.exitCode() != 0,
                "ENXIO, not healthy: " + t);
        } finally {
            Files.writeString(state, "running\n");
        }
        expect(armd(disk), "HEALTHY", "GOOD");
    }

    private void diskUnplug() throws IOException {
        final List<Long> detectMs = new ArrayList<>();
        for (int round = 1; round <= UNPLUG_ROUNDS; round++) {
            final String name = name(disk);
                try (ArmdTur held = ArmdTur.open(disk, TUR_TIMEOUT_MS)) {
                expect(held.probe(), "HEALTHY", "GOOD");
                final long startNs = System.nanoTime();
                host.qmp("{\"execute\":\"device_del\",\"arguments\":{\"id\":\"hd0\"}}");
                // probe the open descriptor as a monitor would, until the kernel has dropped the device
                long faultNs = 0;
                TurView last = null;
                final long endNs = startNs + SETTLE_TIMEOUT.toNanos();
                while (System.nanoTime() - endNs < 0) {
                    final TurView now = held.probe();
                    if (!"HEALTHY".equals(now.outcome())) {
                        if (faultNs == 0) {
                            faultNs = System.nanoTime();
                            System.out.println("  first fault after " + (faultNs - startNs) / 1_000_000 + " ms: "
                                + now);
                        }
                        last = now;
                        if (now.errno() == TurView.ENODEV) {
                            break;
                        }
                    }
                    pause(5);
                }
                check(last != null && last.errno() == TurView.ENODEV && "FAULT".equals(last.outcome()),
                    "the open descriptor gets ENODEV, a fault: " + last);
                detectMs.add((faultNs - startNs) / 1_000_000);
                waitUntil(() -> !Files.exists(SG_CLASS.resolve(name)), "the unplugged disk's " + name + " to go");
                final TurView fresh = armd(disk);
                check(fresh.errno() == TurView.ENOENT && "ERROR".equals(fresh.outcome()),
                    "a new open: ENOENT: " + fresh);
                if (round == 1) {
                    final TurView cli = armdCli(disk);
                    check(cli.exitCode() == 3 && cli.detail().contains(disk), "the command exits 3 naming it: " + cli);
                }
                plugBack();
                disk = waitForSg("QEMU HARDDISK");
                System.out.println("  disk back as " + disk);
                // the old descriptor stays dead even when the disk is back (same sg name or not): reopen
                final TurView stale = held.probe();
                check(stale.errno() == TurView.ENODEV, "the old descriptor still gets ENODEV: " + stale);
            }
            expect(armd(disk), "HEALTHY", "GOOD");
        }
        figure("unplug_detect_ms", detectMs);
    }

    /**
     * Plugs the disk back on the same drive. qemu finishes the removal of the old device asynchronously (it is
     * gone for the guest before qemu lets go of the drive): until then device_add is refused, so retry, bounded.
     */
    private void plugBack() throws IOException {
        final String add = "{\"execute\":\"device_add\",\"arguments\":{\"driver\":\"scsi-hd\",\"bus\":\"scsi0.0\","
            + "\"drive\":\"disk0\",\"id\":\"hd0\"}}";
        final String[] reply = new String[1];
        waitUntil(() -> {
            try {
                reply[0] = host.qmpRaw(add);
                return reply[0].startsWith("{\"return\"");
            } catch (IOException e) {
                throw new AssertionError(e.getMessage(), e);
            }
        }, "qemu to take the disk back (last answer: " + reply[0] + ")");
    }

    private void monitorQuiet() throws IOException {
        final String sd = blockDevice(disk);
        final Path dev = SG_CLASS.resolve(name(disk)).resolve("device");
        try (MonitoredPair pair = MonitoredPair.start(tmp(), sd)) {
            // the disk's own command counters count the monitor's probes (nothing else uses the disk meanwhile)
            final long done = counter(dev, "iodone_cnt");
            final long errors = counter(dev, "ioerr_cnt");
            waitUntil(() -> counter(dev, "iodone_cnt") - done >= QUIET_PROBES || !pair.quiet(),
                QUIET_PROBES + " probes of " + sd);
            check(pair.quiet(), "nothing reported while " + sd + " is healthy: " + pair.pending());
            check(counter(dev, "ioerr_cnt") == errors, "every probe completed without error");
            pair.groupOffline();
            check(pair.quiet() && "server1".equals(pair.where()), "still nothing, A still on server1: "
                + pair.pending() + ", A on " + pair.where());
            System.out.println("  " + (counter(dev, "iodone_cnt") - done) + " normal probes of " + sd
                + ", no report");
        }
    }

    private void monitorUnplug() throws IOException, InterruptedException {
        final List<Long> detectMs = new ArrayList<>();
        for (int round = 1; round <= MONITOR_ROUNDS; round++) {
            final String sg = disk;
            final String sd = blockDevice(sg);
            final Path dev = SG_CLASS.resolve(name(sg)).resolve("device");
            try (MonitoredPair pair = MonitoredPair.start(tmp(), sd)) {
                final long done = counter(dev, "iodone_cnt");
                waitUntil(() -> counter(dev, "iodone_cnt") - done >= FIRST_PROBES || !pair.quiet(),
                    "the monitor's first probes of " + sd);
                check(pair.quiet(), "nothing reported before the unplug: " + pair.pending());
                final long startNs = System.nanoTime();
                host.qmp("{\"execute\":\"device_del\",\"arguments\":{\"id\":\"hd0\"}}");
                final MonitoredPair.Failure f = pair.nextFailure(SETTLE_TIMEOUT);
                check(f != null, "a failure within " + SETTLE_TIMEOUT.toSeconds() + " s of the unplug: "
                    + pair.pending());
                final long ms = (f.atNs() - startNs) / 1_000_000;
                detectMs.add(ms);
                System.out.println("  round " + round + ": failed() " + ms + " ms after device_del: " + f);
                check(f.name().equals(MonitoredPair.MONITOR) && f.reason().contains(sd)
                    && f.group() == pair.config().group("A").orElseThrow().id()
                    && f.action() == FailureAction.FAILOVER,
                    "A-disk failed with a reason naming " + sd + ", action failover: " + f);
                final MonitoredPair.Decision d = pair.decide(f);
                d.log().forEach(l -> System.out.println("  agents| " + l));
                check("OK".equals(d.result()), "server1's state machine takes the failure: " + d);
                check(d.log().stream().anyMatch(l -> l.contains("server1: group A: A-disk failed (disk monitor "
                    + "A-disk: " + sd) && l.contains("; failing over to server2 (priority destination")),
                    "server1 logs the failover to server2: " + d.log());
                check(d.runs().equals(List.of("server1 stop A START HOME 1 GROUPFAILOVER",
                    "server1 start A RECOVER HOME 1 -", "server2 start A FAILOVER OTHER 2 -")),
                    "stop GROUPFAILOVER, RECOVER on server1, FAILOVER on server2: " + d.runs());
                check("server2".equals(d.whereNow()), "A online on server2: " + d);
                check(pair.quiet(), "the failure was reported once: " + pair.pending());
            }
            waitUntil(() -> !Files.exists(SG_CLASS.resolve(name(sg))), "the unplugged disk's " + sg + " to go");
            plugBack();
            disk = waitForSg("QEMU HARDDISK");
            // takes the new disk's power-on UNIT ATTENTION, so that the next round starts from a quiet disk
            expect(armd(disk), "HEALTHY", "GOOD");
        }
        figure("monitor_unplug_failed_ms", detectMs);
    }

    private void monitorNotScsi() throws IOException, InterruptedException {
        final Path tmp = tmp();
        final Path file = Files.write(tmp.resolve("not-scsi.img"), new byte[4096]);
        try (MonitoredPair pair = MonitoredPair.start(tmp, file.toString())) {
            final String line = pair.nextConfigurationError(SETTLE_TIMEOUT);
            check(line != null, "a configuration error within " + SETTLE_TIMEOUT.toSeconds() + " s: "
                + pair.pending());
            // joins the monitor's thread: whatever it would report has been reported
            pair.groupOffline();
            System.out.println("  " + line);
            check(line.startsWith(pair.config().file() + ":13: monitor A-disk of group A cannot work on this server: ")
                && line.contains(file.toString()) && line.contains("use a partition monitor instead"),
                "FILE:LINE, the monitor, the device, what to do: " + line);
            check(pair.quiet() && "server1".equals(pair.where()), "one line, no failure, A stays on server1: "
                + pair.pending() + ", A on " + pair.where());
        }
    }

    /** The block device (/dev/sdX) of SCSI generic device {@code sg}, waiting for it to appear. */
    private static String blockDevice(final String sg) {
        final String[] found = new String[1];
        waitUntil(() -> {
            try {
                final List<Path> b = blockDevices(sg);
                found[0] = b.isEmpty() ? null : "/dev/" + b.getFirst().getFileName();
                return found[0] != null && Files.exists(Path.of(found[0]));
            } catch (IOException e) {
                return false;
            }
        }, "the block device of " + sg);
        return found[0];
    }

    /** A SCSI device's command counter (hex in sysfs). */
    private static long counter(final Path device, final String name) {
        try {
            return Long.decode(Files.readString(device.resolve(name)).strip());
        } catch (IOException e) {
            throw new AssertionError("cannot read " + device.resolve(name) + ": " + e.getMessage(), e);
        }
    }

    /** A new folder in the guest's writable /tmp. */
    private static Path tmp() throws IOException {
        return Files.createTempDirectory("armd-monitor.");
    }

    private void debugBecomingReady() throws IOException {
        final Tools.Output ins = Tools.run(List.of(VM_TOOLS.resolve("busybox").toString(), "insmod",
            VM_TOOLS.resolve("scsi_debug.ko").toString(), "no_uld=1", "tur_ms_to_ready=" + SD_READY_MS),
            TOOL_TIMEOUT);
        check(ins.exitCode() == 0, "insmod scsi_debug: " + ins);
        debug = waitForSg("scsi_debug");
        System.out.println("scsi_debug " + debug);
        // the first command after the load gets UNIT ATTENTION 29/xx (power on): armd retries it once
        final TurView t = armd(debug);
        expect(t, "FAULT", "NOT_READY");
        check(t.sense(2, 0x04, 0x01) && t.tries() == 2, "04/01 after retrying the power-on UNIT ATTENTION: " + t);
        // the remaining time is in the sense data's INFORMATION field (armd does not decode it; sg_turs does)
        final TurView ref = sgTurs(debug);
        final Matcher m = Pattern.compile("ready in (\\d+) milliseconds").matcher(ref.detail());
        check(ref.sense(2, 0x04, 0x01) && m.find() && Integer.parseInt(m.group(1)) > 0
            && Integer.parseInt(m.group(1)) <= SD_READY_MS, "sg_turs: 04/01 with the time left: " + ref);
        waitUntil(() -> ready(debug), "scsi_debug to become ready");
        expect(armd(debug), "HEALTHY", "GOOD");
    }

    private void debugStopped() throws IOException {
        sgTurs(debug); // takes a UNIT ATTENTION still pending, so that the stop itself is not refused
        final Tools.Output stop = Tools.run(List.of("sg_start", "--stop", debug), TOOL_TIMEOUT);
        check(stop.exitCode() == 0, "sg_start --stop: " + stop);
        final TurView t = armd(debug);
        expect(t, "FAULT", "NOT_READY");
        check(t.sense(2, 0x04, 0x02), "04/02 initializing command required: " + t);
        final Tools.Output start = Tools.run(List.of("sg_start", "--start", debug), TOOL_TIMEOUT);
        check(start.exitCode() == 0, "sg_start --start: " + start);
        waitUntil(() -> ready(debug), "scsi_debug to be ready after the start");
    }

    private void debugCapacity() throws IOException {
        Files.writeString(SCSI_DEBUG.resolve("virtual_gb"), "1\n");
        final TurView ref = sgTurs(debug);
        check(ref.exitCode() == UNIT_ATTENTION && ref.sense(6, 0x2a, 0x09), "sg_turs: UA 2a/09: " + ref);
        Files.writeString(SCSI_DEBUG.resolve("virtual_gb"), "2\n");
        final TurView t = armd(debug);
        expect(t, "HEALTHY", "GOOD");
        check(t.tries() == 2, "the UNIT ATTENTION was retried once: " + t);
    }

    private void debugTimeout() throws IOException {
        // every command ignored: the kernel aborts it after the SG_IO timeout and completes it with DID_TIME_OUT
        Files.writeString(SCSI_DEBUG.resolve("every_nth"), "1\n");
        Files.writeString(SCSI_DEBUG.resolve("opts"), "4\n");
        final Tools.Output ref;
        final TurView t;
        try {
            ref = Tools.run(List.of("sg_raw", "-t", Integer.toString(HANG_TIMEOUT_MS / 1000), "-vv", debug,
                "00", "00", "00", "00", "00", "00"), TOOL_TIMEOUT);
            System.out.println("  " + debug + ": sg_raw " + ref.toString().replace('\n', '|'));
            t = armd(debug, HANG_TIMEOUT_MS);
        } finally {
            Files.writeString(SCSI_DEBUG.resolve("opts"), "0\n");
            Files.writeString(SCSI_DEBUG.resolve("every_nth"), "0\n");
        }
        final String r = ref.stdout() + ref.stderr();
        check(r.contains("Host_status=0x03") && r.contains("SCSI Status: Good"),
            "sg_raw: DID_TIME_OUT with status Good: " + ref);
        expect(t, "FAULT", "TIMEOUT");
        check(t.status() == 0 && t.hostStatus() == TurView.DID_TIME_OUT, "status GOOD, host DID_TIME_OUT: " + t);
        waitUntil(() -> ready(debug), "scsi_debug to answer again");
    }

    // ---- tools

    /** One probe through armd's API, on a descriptor opened for it. */
    private static TurView armd(final String device) {
        return armd(device, TUR_TIMEOUT_MS);
    }

    private static TurView armd(final String device, final int timeoutMs) {
        TurView t;
        try (ArmdTur p = ArmdTur.open(device, timeoutMs)) {
            t = p.probe();
        } catch (SysException e) {
            t = TurView.of(e);
        }
        System.out.println("  " + device + ": " + t);
        return t;
    }

    /** One probe through {@code armd probe tur --json}. */
    private static TurView armdCli(final String device) throws IOException {
        final List<String> cmd = new ArrayList<>(armdCommand());
        cmd.addAll(List.of("probe", "tur", device, "--json", "--timeout", Integer.toString(TUR_TIMEOUT_MS)));
        final Tools.Output o = Tools.run(cmd, TOOL_TIMEOUT);
        final TurView t = TurView.fromArmdJson(o.exitCode(), o.stdout(), o.stderr());
        System.out.println("  " + device + ": " + t.tool() + " command: " + t);
        return t;
    }

    private static TurView sgTurs(final String device) {
        try {
            final Tools.Output o = Tools.run(List.of("sg_turs", "-vv", device), TOOL_TIMEOUT);
            final TurView t = TurView.fromSgTurs(o.exitCode(), o.stdout() + o.stderr());
            System.out.println("  " + device + ": " + t.tool() + " exit " + t.exitCode() + " sense " + t.sense()
                + (t.errno() != 0 ? " errno " + t.errno() : ""));
            return t;
        } catch (IOException e) {
            throw new AssertionError("sg_turs " + device + ": " + e.getMessage(), e);
        }
    }

    /** Whether sg_turs finds the device ready (quiet: for polling). */
    private static boolean ready(final String device) {
        try {
            return Tools.run(List.of("sg_turs", device), TOOL_TIMEOUT).exitCode() == 0;
        } catch (IOException e) {
            throw new AssertionError("sg_turs " + device + ": " + e.getMessage(), e);
        }
    }

    /** target/bin/armd from scripts/build, else the same entry point from the class path of this JVM. */
    private static List<String> armdCommand() {
        final Path launcher = Path.of("target/bin/armd").toAbsolutePath();
        if (Files.isExecutable(launcher)) {
            return List.of(launcher.toString());
        }
        return List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
            "armd.Main");
    }

    private static void expect(final TurView t, final String outcome, final String verdict) {
        check(outcome.equals(t.outcome()) && verdict.equals(t.verdict()), outcome + " " + verdict + " expected: " + t);
    }

    private static void check(final boolean ok, final String what) {
        if (!ok) {
            throw new AssertionError(what);
        }
    }

    private static void figure(final String name, final List<Long> values) {
        final long[] v = values.stream().mapToLong(Long::longValue).sorted().toArray();
        System.out.println(FIGURE_MARK + name + " n=" + v.length + " min=" + v[0] + " p50=" + v[v.length / 2]
            + " p90=" + v[v.length * 9 / 10] + " p99=" + v[v.length * 99 / 100] + " max=" + v[v.length - 1]);
    }

    private static void pause(final long ms) {
        try {
            TimeUnit.MILLISECONDS.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** Polls {@code condition} every 100 ms until it holds; fails after {@link #SETTLE_TIMEOUT}. */
    private static void waitUntil(final Supplier<Boolean> condition, final String what) {
        final long endNs = System.nanoTime() + SETTLE_TIMEOUT.toNanos();
        while (!condition.get()) {
            if (System.nanoTime() - endNs > 0) {
                throw new AssertionError("timed out after " + SETTLE_TIMEOUT.toSeconds() + " s waiting for " + what);
            }
            pause(100);
        }
    }

    /** The /dev/sgN of the first SCSI device whose model starts with {@code model}, waiting for it to appear. */
    private static String waitForSg(final String model) {
        final String[] found = new String[1];
        waitUntil(() -> (found[0] = findSg(model)) != null, "a SCSI device " + model);
        return found[0];
    }

    private static String findSg(final String model) {
        try (Stream<Path> sgs = Files.list(SG_CLASS)) {
            for (final Path sg : sgs.sorted().toList()) {
                final Path m = sg.resolve("device/model");
                if (Files.exists(m) && Files.readString(m).strip().startsWith(model)) {
                    return "/dev/" + sg.getFileName();
                }
            }
            return null;
        } catch (IOException e) {
            return null;
        }
    }

    private static List<Path> blockDevices(final String sg) throws IOException {
        final Path dir = SG_CLASS.resolve(name(sg)).resolve("device/block");
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(b -> Path.of("/sys/block").resolve(b.getFileName())).toList();
        }
    }

    private static String name(final String dev) {
        return Path.of(dev).getFileName().toString();
    }

    /** Runs commands with a bound; used only inside the guest. */
    static final class Tools {
        /** A finished command. */
        record Output(int exitCode, String stdout, String stderr) {
            @Override
            public String toString() {
                return "exit " + exitCode + " " + (stdout + stderr).strip();
            }
        }

        static Output run(final List<String> cmd, final Duration timeout) throws IOException {
            final Process p = new ProcessBuilder(cmd).start();
            p.getOutputStream().close();
            final StringBuffer out = new StringBuffer();
            final StringBuffer err = new StringBuffer();
            final Thread outReader = drain(p.getInputStream(), out);
            final Thread errReader = drain(p.getErrorStream(), err);
            try {
                if (!p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new IOException(String.join(" ", cmd) + " did not finish in " + timeout.toSeconds() + " s");
                }
                outReader.join(Duration.ofSeconds(5));
                errReader.join(Duration.ofSeconds(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
            return new Output(p.exitValue(), out.toString(), err.toString());
        }

        private static Thread drain(final InputStream in, final StringBuffer to) {
            return Thread.ofPlatform().daemon().start(() -> {
                try {
                    to.append(new String(in.readAllBytes(), StandardCharsets.UTF_8));
                } catch (IOException e) {
                    to.append(e.getMessage());
                }
            });
        }
    }
}
