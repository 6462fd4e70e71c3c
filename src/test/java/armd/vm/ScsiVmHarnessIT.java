package armd.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The SCSI test guest's harness itself: the guest's exit code and output come back, and a guest that
 * overruns its deadline is killed. Shell commands only (no guest JVM), so each boot costs seconds.
 */
class ScsiVmHarnessIT {
    private static ScsiVm vm;

    @BeforeAll
    static void prepare() throws IOException {
        vm = ScsiVm.preparedOrSkip(Path.of("").toAbsolutePath());
    }

    @Test
    void theGuestsExitCodeAndOutputComeBack() throws IOException {
        final ScsiVm.Result r = vm.run("echo guest-says-hello; test -c /dev/sg0 && echo has-sg0; exit 3",
            Duration.ofMinutes(3));
        assertEquals(ScsiVm.Status.EXITED, r.status(), r.report());
        assertEquals(3, r.exitCode(), r.report());
        assertTrue(r.output().contains("guest-says-hello\n") && r.output().contains("has-sg0\n"), r.report());
    }

    @Test
    void aGuestPastItsDeadlineIsKilled() throws IOException {
        final ScsiVm.Result r = vm.run("sleep 600", Duration.ofSeconds(3));
        assertEquals(ScsiVm.Status.DEADLINE, r.status(), r.report());
    }
}
