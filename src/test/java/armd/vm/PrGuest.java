package armd.vm;

import armd.base.Exit;
import armd.base.OperatorException;
import armd.cli.PrCommand;
import armd.probe.PersistentReservation;
import armd.probe.ProbeOutcome;
import armd.probe.TurProbe;
import armd.wire.PersistentReserve;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The persistent-reservation cases, run inside the SCSI test guest by {@link PrVmIT} as one JVM. qemu's emulated
 * disk and scsi_debug have no persistent reservations (they answer ILLEGAL REQUEST 20/00), so the guest makes a
 * disk that has them: LIO (the kernel's SCSI target) with a file backstore, exported through tcm_loop to three
 * initiators, each its own SCSI host and sg node, as three servers on one SAN disk: server1 and server2 of the
 * cluster and an outsider. armd's {@link PersistentReservation} runs the fence_scsi sequence on it (register,
 * reserve, preempt), and sg_persist and sg_raw (sg3-utils) are the reference for what the device holds and
 * whether a write passes.
 *
 * <p>PREEMPT AND ABORT is not run here: through tcm_loop, this kernel's LIO (Debian 6.1) never completes it (its
 * submission worker waits for itself: core_scsi3_pro_preempt, core_tmr_lun_reset, flush_work); its CDB is checked
 * on sg_persist's bytes in PersistentReserveTest.
 *
 * <p>Prints {@code ARMD-CASE PASS name<TAB>ms} or {@code FAIL name<TAB>why} per case and exits 1 when a case
 * failed. The cases run in order and share the guest's state.
 */
public final class PrGuest {
    private static final Duration TOOL_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration SETTLE_TIMEOUT = Duration.ofSeconds(60);
    private static final int TIMEOUT_MS = 10_000;
    private static final Path SG_CLASS = Path.of("/sys/class/scsi_generic");
    private static final Path VM_TOOLS = Path.of("/tmp/vm");
    private static final Path TARGET = Path.of("/sys/kernel/config/target");
    /** Keys as fence_scsi makes them: a cluster prefix and the server's number. */
    private static final long KEY1 = 0x41524d4400000001L;
    private static final long KEY2 = 0x41524d4400000002L;
    private static final int WERO = PersistentReserve.TYPE_WRITE_EXCLUSIVE_REGISTRANTS_ONLY;

    @FunctionalInterface
    private interface Case {
        void run() throws Exception;
    }

    private final Map<String, Case> cases = new LinkedHashMap<>();
    /** sg nodes of the three LIO initiators: server1, server2, outsider. */
    private String server1;
    private String server2;
    private String outsider;

    private PrGuest() {
        cases.put("qemu scsi-hd: no persistent reservations (ILLEGAL REQUEST 20/00), armd probe pr exits 3",
            this::qemuDisk);
        cases.put("scsi_debug: no persistent reservations (ILLEGAL REQUEST 20/00)", this::scsiDebug);
        cases.put("LIO: one file-backed disk seen by three initiators (configfs, tcm_loop)", this::lio);
        cases.put("LIO: both servers register; READ KEYS lists them, as sg_persist does", this::register);
        cases.put("LIO: server1 reserves write exclusive, registrants only; READ RESERVATION names it, as sg_persist"
            + " does", this::reserve);
        cases.put("LIO: registered servers write, the outsider gets RESERVATION CONFLICT; its TEST UNIT READY is "
            + "healthy", this::writes);
        cases.put("LIO: server2 preempts server1: its key is gone, server2 holds the reservation, server1's writes "
            + "and commands get RESERVATION CONFLICT", this::preempt);
        cases.put("LIO: the fenced server registers again and writes", this::rejoin);
        cases.put("LIO: armd probe pr on the command line: exit 0, 1 on a conflict, JSON", this::commandLine);
        cases.put("LIO: release, then clear leaves no key and no reservation", this::clear);
    }

    public static void main(final String[] args) {
        int failed = 0;
        final PrGuest g = new PrGuest();
        for (final Map.Entry<String, Case> c : g.cases.entrySet()) {
            final long startNs = System.nanoTime();
            System.out.println("--- " + c.getKey());
            try {
                c.getValue().run();
                final long ms = (System.nanoTime() - startNs) / 1_000_000;
                System.out.println(ScsiGuest.CASE_MARK + "PASS " + c.getKey() + "\t" + ms + " ms");
            } catch (Exception | AssertionError e) {
                failed++;
                e.printStackTrace(System.out);
                System.out.println(ScsiGuest.CASE_MARK + "FAIL " + c.getKey() + "\t" + String.valueOf(e.getMessage())
                    .replace('\n', ' '));
            }
        }
        System.out.flush();
        System.exit(failed == 0 ? 0 : 1);
    }

    // ---------------------------------------------------------------- devices without persistent reservations

    private void qemuDisk() throws Exception {
        final String disk = waitForSg("QEMU HARDDISK", Set.of());
        try (PersistentReservation pr = PersistentReservation.open(disk, TIMEOUT_MS)) {
            final PersistentReservation.Outcome o = pr.readKeys();
            System.out.println(o.detail());
            check(!o.ok() && o.unsupported(), "unsupported expected: " + o);
            check(o.sense().equals("ILLEGAL REQUEST 20/00 invalid command operation code"), o.sense());
            final PersistentReservation.Outcome r = pr.register(KEY1);
            check(r.unsupported() && r.sense().startsWith("ILLEGAL REQUEST 20/00"), "register: " + r);
        }
        final OperatorException e = expectThrows(() -> command(disk, "keys"));
        check(e.exitCode() == Exit.SYSTEM && e.getMessage().contains("it has no persistent reservations"),
            e.exitCode() + " " + e.getMessage());
        // sg_persist agrees: "command not supported"
        final ScsiGuest.Tools.Output ref = ScsiGuest.Tools.run(List.of("sg_persist", "-k", disk), TOOL_TIMEOUT);
        check(ref.exitCode() != 0 && (ref.stdout() + ref.stderr()).contains("not supported"), "sg_persist: " + ref);
    }

    private void scsiDebug() throws Exception {
        final ScsiGuest.Tools.Output ins = ScsiGuest.Tools.run(List.of(VM_TOOLS.resolve("busybox").toString(),
            "insmod", VM_TOOLS.resolve("scsi_debug.ko").toString()), TOOL_TIMEOUT);
        check(ins.exitCode() == 0, "insmod scsi_debug: " + ins);
        final String debug = waitForSg("scsi_debug", Set.of());
        try (PersistentReservation pr = PersistentReservation.open(debug, TIMEOUT_MS)) {
            final PersistentReservation.Outcome o = pr.readKeys();
            System.out.println(o.detail());
            check(o.unsupported() && o.sense().equals("ILLEGAL REQUEST 20/00 invalid command operation code"),
                "unsupported expected: " + o);
        }
    }

    // ---------------------------------------------------------------- LIO

    private void lio() throws Exception {
        for (final String m : List.of("configfs", "target_core_mod", "target_core_file", "tcm_loop")) {
            final ScsiGuest.Tools.Output ins = ScsiGuest.Tools.run(List.of(VM_TOOLS.resolve("busybox").toString(),
                "insmod", VM_TOOLS.resolve(m + ".ko").toString()), TOOL_TIMEOUT);
            check(ins.exitCode() == 0, "insmod " + m + ": " + ins);
        }
        final ScsiGuest.Tools.Output mount = ScsiGuest.Tools.run(List.of("mount", "-t", "configfs", "configfs",
            "/sys/kernel/config"), TOOL_TIMEOUT);
        check(mount.exitCode() == 0 || Files.isDirectory(TARGET.resolve("core")), "mount configfs: " + mount);
        // LIO writes its PR metadata from a kernel worker, which resolves paths in the initramfs' root, not in this
        // chroot: /dev is the same devtmpfs in both
        Files.createDirectories(Path.of("/dev/armd-lio/pr"));
        Files.writeString(TARGET.resolve("dbroot"), "/dev/armd-lio");
        final Path image = Path.of("/tmp/armd-lio.img");
        try (var f = new java.io.RandomAccessFile(image.toFile(), "rw")) {
            f.setLength(16L << 20);
        }
        final Path backstore = Files.createDirectories(TARGET.resolve("core/fileio_0/shared"));
        Files.writeString(backstore.resolve("control"), "fd_dev_name=" + image + ",fd_dev_size=" + (16L << 20));
        Files.writeString(backstore.resolve("enable"), "1");
        final List<String> sgs = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            final Path tpg = TARGET.resolve("loopback/naa.50014050000000" + i + "0/tpgt_1");
            final Path lun = Files.createDirectories(tpg.resolve("lun/lun_0"));
            Files.writeString(tpg.resolve("nexus"), "naa.50014050000000" + i + "1");
            Files.createSymbolicLink(lun.resolve("shared"), backstore);
            sgs.add(waitForSg("FILEIO", Set.copyOf(sgs)));
        }
        server1 = sgs.get(0);
        server2 = sgs.get(1);
        outsider = sgs.get(2);
        System.out.println("server1 " + server1 + ", server2 " + server2 + ", outsider " + outsider);
        try (PersistentReservation pr = PersistentReservation.open(server1, TIMEOUT_MS)) {
            final PersistentReservation.Outcome k = pr.readKeys();
            check(k.ok() && k.keys().keys().isEmpty(), "a new disk has no keys: " + k);
            final PersistentReservation.Outcome r = pr.readReservation();
            check(r.ok() && !r.reservation().held(), "a new disk has no reservation: " + r);
        }
    }

    private void register() throws Exception {
        try (PersistentReservation p1 = PersistentReservation.open(server1, TIMEOUT_MS);
             PersistentReservation p2 = PersistentReservation.open(server2, TIMEOUT_MS)) {
            ok(p1.register(KEY1));
            ok(p2.register(KEY2));
            ok(p1.register(KEY1)); // again: REGISTER AND IGNORE EXISTING KEY does not mind
            final PersistentReservation.Outcome k = ok(p2.readKeys());
            check(Set.copyOf(k.keys().keys()).equals(Set.of(KEY1, KEY2)) && k.keys().keys().size() == 2,
                "keys: " + k);
            check(k.keys().generation() >= 2, "generation: " + k);
            check(Set.copyOf(sgPersistKeys(server2)).equals(Set.of(KEY1, KEY2)), "sg_persist sees other keys");
        }
    }

    private void reserve() throws Exception {
        try (PersistentReservation p1 = PersistentReservation.open(server1, TIMEOUT_MS);
             PersistentReservation p2 = PersistentReservation.open(server2, TIMEOUT_MS)) {
            ok(p1.reserve(KEY1));
            final PersistentReservation.Outcome r = ok(p2.readReservation());
            check(r.reservation().held() && r.reservation().key() == KEY1 && r.reservation().type() == WERO
                && r.reservation().scope() == 0, "reservation: " + r);
            final String ref = sgPersist("-r", server2);
            check(ref.contains("Key=" + PersistentReserve.keyText(KEY1))
                && ref.contains("type: Write Exclusive, registrants only"), "sg_persist -r: " + ref);
            // a second reserve by the holder is fine; the other registrant cannot take it
            ok(p1.reserve(KEY1));
            final PersistentReservation.Outcome other = p2.reserve(KEY2);
            check(other.conflict(), "the other server's reserve: " + other);
        }
    }

    private void writes() throws Exception {
        check(write(server1).contains("Good"), "server1 writes");
        check(write(server2).contains("Good"), "server2 (registered) writes");
        check(write(outsider).contains("Reservation Conflict"), "the outsider's write is refused");
        try (TurProbe tur = TurProbe.open(outsider, TIMEOUT_MS)) {
            check(tur.probe().outcome() == ProbeOutcome.HEALTHY, "TEST UNIT READY of the outsider");
        }
    }

    private void preempt() throws Exception {
        try (PersistentReservation p1 = PersistentReservation.open(server1, TIMEOUT_MS);
             PersistentReservation p2 = PersistentReservation.open(server2, TIMEOUT_MS)) {
            ok(p2.preempt(KEY2, KEY1, false));
            final PersistentReservation.Outcome k = ok(p2.readKeys());
            check(k.keys().keys().equals(List.of(KEY2)), "keys after the preemption: " + k);
            final PersistentReservation.Outcome r = ok(p2.readReservation());
            check(r.reservation().held() && r.reservation().key() == KEY2 && r.reservation().type() == WERO,
                "reservation after the preemption: " + r);
            check(sgPersistKeys(server1).equals(List.of(KEY2)), "sg_persist from server1 sees only server2's key");
            // server1 still believes it holds the disk: the device refuses it
            check(write(server1).contains("Reservation Conflict"), "server1's write after the preemption");
            final PersistentReservation.Outcome again = p1.reserve(KEY1);
            check(again.conflict() && again.detail().contains("RESERVATION CONFLICT"), "server1 reserves: " + again);
            check(write(server2).contains("Good"), "server2 writes");
        }
    }

    private void rejoin() throws Exception {
        try (PersistentReservation p1 = PersistentReservation.open(server1, TIMEOUT_MS)) {
            ok(p1.register(KEY1));
            check(write(server1).contains("Good"), "the registered server1 writes again (registrants only)");
            final PersistentReservation.Outcome r = ok(p1.readReservation());
            check(r.reservation().key() == KEY2, "server2 keeps the reservation: " + r);
        }
    }

    private void commandLine() throws Exception {
        final String keys = command(server1, "keys");
        check(keys.contains(PersistentReserve.keyText(KEY1)) && keys.contains(PersistentReserve.keyText(KEY2)),
            "armd probe pr keys: " + keys);
        final String json = command(server1, "reservation", "--json");
        check(json.contains("\"reserved\":true") && json.contains("\"holder\":\"" + PersistentReserve.keyText(KEY2)
            + "\""), "armd probe pr reservation --json: " + json);
        // the outsider is not registered: its reserve is refused (exit 1)
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final int rc = new PrCommand(new PrintStream(bytes, true, StandardCharsets.UTF_8))
            .run(new String[] {outsider, "reserve", "0x99"});
        check(rc == Exit.FAULT && bytes.toString(StandardCharsets.UTF_8).contains("RESERVATION CONFLICT"),
            "exit " + rc + ": " + bytes);
    }

    private void clear() throws Exception {
        try (PersistentReservation p2 = PersistentReservation.open(server2, TIMEOUT_MS);
             PersistentReservation p1 = PersistentReservation.open(server1, TIMEOUT_MS)) {
            ok(p2.release(KEY2));
            check(!ok(p1.readReservation()).reservation().held(), "released");
            // server1 has a UNIT ATTENTION (reservations released) pending: retried once by armd
            ok(p1.clear(KEY1));
            check(ok(p2.readKeys()).keys().keys().isEmpty(), "no keys after clear");
            check(!ok(p2.readReservation()).reservation().held(), "no reservation after clear");
            check(write(outsider).contains("Good"), "anyone writes again");
        }
    }

    // ---------------------------------------------------------------- helpers

    private static PersistentReservation.Outcome ok(final PersistentReservation.Outcome o) {
        System.out.println(o.detail());
        check(o.ok(), o.detail());
        return o;
    }

    /** WRITE(10) of one block at LBA 2048 through {@code sg} (sg_raw); its status line, UNIT ATTENTION retried. */
    private static String write(final String sg) throws IOException {
        String out = "";
        for (int i = 0; i < 3; i++) {
            final ScsiGuest.Tools.Output o = ScsiGuest.Tools.run(List.of("sg_raw", "-s", "512", "-i", "/dev/zero", sg,
                "2a", "00", "00", "00", "08", "00", "00", "00", "01", "00"), TOOL_TIMEOUT);
            out = o.stdout() + o.stderr();
            if (!out.contains("Unit Attention")) {
                return out;
            }
        }
        return out;
    }

    private static String sgPersist(final String option, final String sg) throws IOException {
        String out = "";
        for (int i = 0; i < 3; i++) {
            final ScsiGuest.Tools.Output o = ScsiGuest.Tools.run(List.of("sg_persist", option, sg), TOOL_TIMEOUT);
            out = o.stdout() + o.stderr();
            if (o.exitCode() == 0) {
                return out;
            }
        }
        throw new AssertionError("sg_persist " + option + " " + sg + ": " + out);
    }

    /** The keys sg_persist -k lists, in its order. */
    private static List<Long> sgPersistKeys(final String sg) throws IOException {
        final Matcher m = Pattern.compile("(?m)^\\s+0x([0-9a-f]+)\\s*$").matcher(sgPersist("-k", sg));
        final List<Long> keys = new ArrayList<>();
        while (m.find()) {
            keys.add(Long.parseUnsignedLong(m.group(1), 16));
        }
        return keys;
    }

    private static String command(final String... argv) {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final int rc = new PrCommand(new PrintStream(bytes, true, StandardCharsets.UTF_8)).run(argv);
        final String out = bytes.toString(StandardCharsets.UTF_8);
        check(rc == Exit.OK, "armd probe pr " + String.join(" ", argv) + ": exit " + rc + " " + out);
        return out;
    }

    private static OperatorException expectThrows(final Runnable r) {
        try {
            r.run();
        } catch (OperatorException e) {
            return e;
        }
        throw new AssertionError("no operator error");
    }

    private static void check(final boolean ok, final String what) {
        if (!ok) {
            throw new AssertionError(what);
        }
    }

    /** The sg node of a new SCSI device whose model starts with {@code model}, not one of {@code known}. */
    private static String waitForSg(final String model, final Set<String> known) throws InterruptedException {
        final long endNs = System.nanoTime() + SETTLE_TIMEOUT.toNanos();
        while (true) {
            final String sg = findSg(model, known);
            if (sg != null) {
                return sg;
            }
            if (System.nanoTime() - endNs > 0) {
                throw new AssertionError("no new SCSI device " + model + " within " + SETTLE_TIMEOUT.toSeconds()
                    + " s");
            }
            Thread.sleep(100);
        }
    }

    private static String findSg(final String model, final Set<String> known) {
        try (Stream<Path> sgs = Files.list(SG_CLASS)) {
            for (final Path sg : sgs.sorted().toList()) {
                final String dev = "/dev/" + sg.getFileName();
                final Path m = sg.resolve("device/model");
                if (!known.contains(dev) && Files.exists(m) && Files.readString(m).strip().startsWith(model)
                    && Files.exists(Path.of(dev))) {
                    return dev;
                }
            }
            return null;
        } catch (IOException e) {
            return null;
        }
    }
}
