package armd.vm;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The NFS resource against a real NFS server: the kernel's nfsd in a network namespace, mounted with
 * {@code mount -t nfs} from another, inside the test guest (qemu, Debian's kernel). This host's kernel may have
 * neither nfsd nor the NFS client (the one these tests were written on has neither: no "nfs" in
 * /proc/filesystems, no modules), so the guest brings both. Each case of {@code armd.resource.NfsGuest} becomes
 * a test here. Needs root and the guest (qemu, the kernel package) and nfs-kernel-server (scripts/setup); skips
 * loudly where they are missing, and fails instead in CI (CI=true).
 */
class NfsVmIT {
    /** TCG on a shared 2-core machine: JVM start, the server's 10 s grace period, the 10 s mount bound. */
    private static final Duration DEADLINE = Duration.ofMinutes(8);

    @TestFactory
    Stream<DynamicTest> nfsCasesInTheGuest() throws IOException {
        final Path project = Path.of("").toAbsolutePath();
        final ScsiVm vm = ScsiVm.preparedOrSkip(project);
        for (final String tool : List.of("/usr/sbin/rpc.nfsd", "/usr/sbin/rpc.mountd", "/usr/sbin/exportfs",
                "/usr/sbin/mount.nfs")) {
            if (!Files.isExecutable(Path.of(tool))) {
                ScsiVm.skipOrFail(tool + " is missing: install nfs-kernel-server and nfs-common (scripts/setup)");
            }
        }
        // the guest's root is this host's, read-only: ip netns needs a writable /run
        final ScsiVm.Result r = vm.run("mount -t tmpfs run /run && " + ScsiVmIT.guestJava(project)
            + " armd.resource.NfsGuest", DEADLINE);
        System.out.println("NFS test guest: " + r.status() + " exit " + r.exitCode() + " in " + r.elapsedMs() + " ms");
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
            assertTrue(cases.size() >= 6, "cases reported: " + cases.keySet() + "\n" + r.report());
        }));
        return tests.stream();
    }
}
