package armd.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * TEST UNIT READY and the disk monitor on real SCSI stacks: boots the test guest once (qemu, software
 * emulation) and runs every case of {@link ScsiGuest} in one guest JVM; each case becomes a test here. A failure
 * inside the guest fails the build with the guest's console in the message. Needs root (for the packages and the
 * guest's devices); skips loudly where qemu cannot be installed or the kernel cannot be fetched, and fails instead
 * in CI (CI=true).
 */
class ScsiVmIT {
    /** TCG on a shared 2-core machine: the guest usually needs one to three minutes. */
    private static final Duration DEADLINE = Duration.ofMinutes(8);

    @TestFactory
    Stream<DynamicTest> scsiCasesInTheGuest() throws IOException {
        final Path project = Path.of("").toAbsolutePath();
        final ScsiVm vm = ScsiVm.preparedOrSkip(project);
        final ScsiVm.Result r = vm.run(guestJava(project) + " armd.vm.ScsiGuest", DEADLINE);
        System.out.println("SCSI test guest: " + r.status() + " exit " + r.exitCode() + " in " + r.elapsedMs()
            + " ms");
        final Map<String, String> cases = cases(r.output());
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

    /** The java command for the guest: this JVM's JDK and the test class path, at the same paths. */
    static String guestJava(final Path project) throws IOException {
        final Path cpFile = project.resolve("target/test-classpath.txt");
        final String deps = Files.exists(cpFile) ? Files.readString(cpFile, StandardCharsets.UTF_8).strip() : "";
        final String cp = project.resolve("target/test-classes") + ":" + project.resolve("target/classes")
            + (deps.isEmpty() ? "" : ":" + deps);
        // one vCPU under TCG: C1 only and a small heap start the JVM fastest
        return "java --enable-native-access=ALL-UNNAMED -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xmx256m -cp '"
            + cp + "'";
    }

    /** Case name to "PASS n ms" or "FAIL: why", in the order the guest ran them. */
    static Map<String, String> cases(final String console) {
        final Map<String, String> cases = new LinkedHashMap<>();
        for (final String line : console.split("\n")) {
            if (!line.startsWith(ScsiGuest.CASE_MARK)) {
                continue;
            }
            final String rest = line.substring(ScsiGuest.CASE_MARK.length());
            final int tab = rest.indexOf('\t');
            if (tab > 5 && (rest.startsWith("PASS ") || rest.startsWith("FAIL "))) {
                cases.put(rest.substring(5, tab), rest.substring(0, 4) + " " + rest.substring(tab + 1));
            }
        }
        return cases;
    }

    @Test
    void theCaseLinesAreRead() {
        final Map<String, String> c = cases("noise\nARMD-CASE PASS disk: GOOD\t12 ms\n"
            + "ARMD-CASE FAIL cd: eject\tUA: x\n");
        assertEquals("PASS 12 ms", c.get("disk: GOOD"));
        assertEquals("FAIL UA: x", c.get("cd: eject"));
    }
}
