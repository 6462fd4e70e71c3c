package armd.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ProcessWatcherTest {
    private final BlockingQueue<String> exits = new LinkedBlockingQueue<>();
    private final ProcessWatcher watcher = new ProcessWatcher((g, id, pid) -> exits.add(g + "/" + id + "/" + pid));
    private final List<Process> started = new java.util.ArrayList<>();

    private Process start(final String... command) throws IOException {
        final Process p = new ProcessBuilder(command).redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        started.add(p);
        return p;
    }

    @AfterEach
    void cleanUp() {
        watcher.close();
        for (final Process p : started) {
            p.destroyForcibly();
        }
    }

    @Test
    void anExitIsReportedOnceWithGroupIdAndPid() throws Exception {
        final Process p = start("sh", "-c", "read x; exit 3");
        final int pid = (int) p.pid();
        assertTrue(watcher.watch("A", "app", pid));
        assertEquals(List.of(new ProcessWatcher.Watched("A", "app", pid)), watcher.watched());
        p.getOutputStream().close(); // EOF on its stdin: it exits now
        assertEquals("A/app/" + pid, exits.poll(10, TimeUnit.SECONDS));
        assertEquals(3, p.waitFor());
        assertTrue(watcher.watched().isEmpty());
        assertEquals(null, exits.poll(50, TimeUnit.MILLISECONDS));
    }

    @Test
    void aProcessAlreadyGoneIsReportedAtOnce() throws Exception {
        final Process p = start("true");
        p.waitFor();
        final int pid = (int) p.pid();
        // reaped: pidfd_open says ESRCH (unless the pid was reused within this test: then it is watched)
        assertTrue(watcher.watch("B", "gone", pid));
        if (ProcessHandle.of(pid).isEmpty()) {
            assertEquals("B/gone/" + pid, exits.poll(10, TimeUnit.SECONDS));
        }
    }

    @Test
    void aSecondWatchUnderTheSameIdIsRefused() throws Exception {
        final Process p = start("sleep", "60");
        assertTrue(watcher.watch("A", "app", (int) p.pid()));
        assertFalse(watcher.watch("A", "app", (int) p.pid()));
        assertTrue(watcher.watch("B", "app", (int) p.pid()));
    }

    @Test
    void killEndsTheProcessWithSigtermAndReportsNoExit() throws Exception {
        final Process p = start("sleep", "60");
        assertTrue(watcher.watch("A", "app", (int) p.pid()));
        assertEquals(ProcessWatcher.KillOutcome.TERMINATED, watcher.kill("A", "app", 10_000).get(10, TimeUnit.SECONDS));
        assertTrue(p.waitFor(10, TimeUnit.SECONDS));
        assertEquals(128 + 15, p.exitValue());
        assertEquals(null, exits.poll(100, TimeUnit.MILLISECONDS));
    }

    @Test
    void aProcessIgnoringSigtermIsKilledAfterTheGracePeriod() throws Exception {
        // an ignored signal stays ignored across exec: sleep itself ignores SIGTERM
        final Process p = start("sh", "-c", "trap '' TERM; exec sleep 60");
        final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!p.info().command().orElse("").endsWith("sleep") && System.nanoTime() - deadlineNs < 0) {
            Thread.onSpinWait();
        }
        assertTrue(watcher.watch("A", "stubborn", (int) p.pid()));
        assertEquals(ProcessWatcher.KillOutcome.KILLED, watcher.kill("A", "stubborn", 200).get(10, TimeUnit.SECONDS));
        assertTrue(p.waitFor(10, TimeUnit.SECONDS));
        assertEquals(128 + 9, p.exitValue());
        assertEquals(null, exits.poll(100, TimeUnit.MILLISECONDS));
    }

    @Test
    void killingWhatIsNotWatchedSaysSo() throws Exception {
        assertEquals(ProcessWatcher.KillOutcome.NOT_WATCHED, watcher.kill("A", "none", 100).get());
    }

    @Test
    void manyProcessesAreWatchedByTheOneThread() throws Exception {
        final List<Process> ps = new java.util.ArrayList<>();
        for (int i = 0; i < 40; i++) {
            final Process p = start("sh", "-c", "read x; exit " + (i % 5));
            ps.add(p);
            assertTrue(watcher.watch("G", "app" + i, (int) p.pid()));
        }
        for (final Process p : ps) {
            p.getOutputStream().close();
        }
        final java.util.Set<String> got = new java.util.HashSet<>();
        for (int i = 0; i < 40; i++) {
            final String s = exits.poll(10, TimeUnit.SECONDS);
            assertTrue(s != null, "only " + got.size() + " exits");
            got.add(s);
        }
        assertEquals(40, got.size());
    }
}
