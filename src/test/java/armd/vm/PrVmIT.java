package armd.vm;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * SCSI-3 persistent reservations on real SCSI stacks: boots the test guest once and runs every case of
 * {@link PrGuest} in one guest JVM (qemu's disk and scsi_debug without persistent reservations, a LIO disk with
 * them shared by three initiators); each case becomes a test here. Root and the guest as for {@link ScsiVmIT}.
 */
class PrVmIT {
    /** TCG on a shared 2-core machine. */
    private static final Duration DEADLINE = Duration.ofMinutes(8);

    @TestFactory
    Stream<DynamicTest> persistentReservationCasesInTheGuest() throws IOException {
        final Path project = Path.of("").toAbsolutePath();
        final ScsiVm vm = ScsiVm.preparedOrSkip(project);
        final ScsiVm.Result r = vm.run(ScsiVmIT.guestJava(project) + " armd.vm.PrGuest", DEADLINE);
        System.out.println("PR test guest: " + r.status() + " exit " + r.exitCode() + " in " + r.elapsedMs() + " ms");
        final Map<String, String> cases = ScsiVmIT.cases(r.output());
        final List<DynamicTest> tests = new ArrayList<>();
        for (final Map.Entry<String, String> c : cases.entrySet()) {
            tests.add(DynamicTest.dynamicTest(c.getKey(), () -> {
                if (!c.getValue().startsWith("PASS")) {
                    fail(c.getKey() + ": " + c.getValue() + "\n" + r.report());
                }
            }));
        }
        tests.add(DynamicTest.dynamicTest("the guest ran every case and exited 0", () -> {
            assertTrue(r.passed(), r.report());
            assertTrue(cases.size() >= 10, "cases reported: " + cases.keySet() + "\n" + r.report());
        }));
        return tests.stream();
    }
}
