package armd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import armd.control.ControlClient;
import armd.control.ControlRequest;
import armd.control.ControlStatus;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Real agents whose state directory is on a small tmpfs that the test fills up. At start: a one-line refusal
 * naming the directory, exit 3, within seconds. While running: one log line (the failed saves are counted),
 * the agent keeps serving, stops and moves groups away, but starts no group until the state can be saved
 * again; when space comes back the held start runs. SIGTERM on a full disk still ends in an orderly exit.
 */
class DiskFullAgentIT {
    @BeforeEach
    void root() {
        Tmpfs.requireRoot("DiskFullAgentIT");
    }

    @Test
    void aFullStateFileSystemIsRefusedAtStartInOneLine() throws Exception {
        try (AgentCluster c = new AgentCluster("dfs", 2, false);
             Tmpfs fs = Tmpfs.mount(c.dir().resolve("state").resolve("server1"), 64)) {
            fs.fill();
            final Path out = c.dir().resolve("server1.out");
            final long t0 = System.nanoTime();
            final Process p = c.startAnother(0, out);
            try {
                c.await(() -> !p.isAlive(), 30, "armd run to give up on a full state directory");
            } finally {
                p.destroyForcibly();
            }
            System.out.printf("full state disk: armd run exited %d after %d ms%n", p.exitValue(),
                (System.nanoTime() - t0) / 1_000_000);
            final List<String> lines = Files.readAllLines(out);
            assertEquals(3, p.exitValue(), String.join("\n", lines));
            assertEquals(1, lines.size(), String.join("\n", lines));
            assertTrue(lines.getFirst().startsWith("armd run: state directory " + fs.path() + ": "), lines.getFirst());
            assertTrue(lines.getFirst().contains("No space left on device"), lines.getFirst());
        }
    }

    @Test
    void aStateDiskThatFillsHoldsStartsHereLogsOnceAndResumesWhenFreed() throws Exception {
        try (AgentCluster c = new AgentCluster("dfr", 2, false);
             Tmpfs fs = Tmpfs.mount(c.dir().resolve("state").resolve("server1"), 1024)) {
            c.startAll();
            c.awaitRecords(3, 60);
            c.await(() -> c.onlineOn(0, "A").equals("server1") && c.onlineOn(1, "B").equals("server2"), 30,
                "A on server1, B on server2");
            fs.fill();

            // stops and moves away need no save first: A leaves server1 (several saves fail meanwhile)
            c.ok(0, new ControlRequest.GroupMove("A", Optional.of("server2")));
            assertEquals("server2", c.onlineOn(0, "A"));

            // a start here does: B's move to server1 is held while the state cannot be saved
            final CompletableFuture<ControlClient.Reply> move = CompletableFuture.supplyAsync(() -> {
                try {
                    return new ControlClient(c.socket(1), 120_000).call(
                        new ControlRequest.GroupMove("B", Optional.of("server1")));
                } catch (java.io.IOException e) {
                    throw new IllegalStateException(e);
                }
            }, r -> Thread.ofVirtual().start(r));
            c.await(() -> c.logHas(0, "group B: start (START) waits until the state can be saved"), 60,
                "server1 holding B's start");
            assertFalse(hasRecord(c, "1 start B"), c.diagnostics());
            assertTrue(c.status(0).contains("cannot be saved"), c.status(0));
            assertEquals(1, count(c, 0, "cannot save the state"), c.diagnostics());

            fs.free();
            c.await(() -> hasRecord(c, "1 start B START"), 30, "B started on server1 once the state is saved");
            assertEquals(ControlStatus.OK, move.get(120, TimeUnit.SECONDS).status());
            assertTrue(c.logHas(0, "state saved again after "), c.diagnostics());
            assertEquals(1, count(c, 0, "cannot save the state"), c.diagnostics());

            // full again: SIGTERM still stops B (its stop script runs) and ends in an orderly exit
            fs.fill();
            assertEquals(0, c.terminate(0), c.diagnostics());
            assertTrue(hasRecord(c, "1 stop B"), c.diagnostics());
            assertFalse(c.logHas(0, "internal error"), c.diagnostics());
        }
    }

    @Test
    void anAgentThreadStuckOnAFrozenDiskHangsNeitherStatusNorShutdown() throws Exception {
        try (LoopDisk disk = LoopDisk.ext4(16);
             AgentCluster c = new AgentCluster("dfz", 2, false);
             Frozen frozen = new Frozen(disk.device(), c.dir().resolve("state").resolve("server1"))) {
            c.startAll();
            c.awaitRecords(3, 60);
            c.await(() -> c.onlineOn(0, "C").equals("server1"), 60, "C online on server1");
            frozen.freeze();
            // C's stop ends in a save: server1's agent thread then blocks in the kernel until the thaw
            final CompletableFuture<ControlClient.Reply> stop = CompletableFuture.supplyAsync(() -> {
                try {
                    return new ControlClient(c.socket(0), 120_000).call(new ControlRequest.GroupStop("C"));
                } catch (java.io.IOException e) {
                    return new ControlClient.Reply(ControlStatus.SYSTEM, e.getMessage());
                }
            }, r -> Thread.ofVirtual().start(r));
            c.await(() -> hasRecord(c, "1 stop C"), 30, "C's stop script on server1");
            final ControlClient.Reply[] status = new ControlClient.Reply[1];
            c.await(() -> {
                try {
                    status[0] = new ControlClient(c.socket(0), 60_000).call(new ControlRequest.Status(false));
                    return status[0].status() != ControlStatus.OK;
                } catch (java.io.IOException e) {
                    return false;
                }
            }, 60, "a status reply saying the agent thread does not answer");
            assertEquals(ControlStatus.SYSTEM, status[0].status(), status[0].text());
            assertTrue(status[0].text().contains("has not answered"), status[0].text());

            final ProcessHandle agent = ProcessHandle.of(c.pid(0)).orElseThrow();
            final long t0 = System.nanoTime();
            agent.destroy();
            c.await(() -> c.logHas(0, "the agent thread has taken no work for"), 30,
                "the shutdown hook giving up on the stuck agent thread");
            System.out.printf("stuck agent thread: the shutdown hook gave up %d ms after SIGTERM%n",
                (System.nanoTime() - t0) / 1_000_000);
            frozen.thaw();
            c.await(() -> !agent.isAlive(), 30, "server1's agent to exit once the disk thaws");
            assertFalse(c.logHas(0, "internal error"), c.diagnostics());
            stop.get(60, TimeUnit.SECONDS);
        }
    }

    /** The loop disk's file system mounted on {@code at} and frozen (fsfreeze) on demand; thawed and unmounted. */
    private static final class Frozen implements AutoCloseable {
        private final Path at;
        private boolean frozen;

        Frozen(final String device, final Path at) throws java.io.IOException {
            this.at = Files.createDirectories(at);
            Netns.run("mount", device, at.toString());
        }

        void freeze() throws java.io.IOException {
            Netns.run("fsfreeze", "--freeze", at.toString());
            frozen = true;
        }

        void thaw() throws java.io.IOException {
            if (frozen) {
                frozen = false;
                Netns.run("fsfreeze", "--unfreeze", at.toString());
            }
        }

        @Override
        public void close() throws java.io.IOException {
            try {
                thaw();
            } finally {
                armd.sys.mount.Mount.umount2(at.toString(), armd.sys.mount.Mount.MNT_DETACH);
            }
        }
    }

    private static boolean hasRecord(final AgentCluster c, final String prefix) {
        try {
            return c.records().stream().anyMatch(l -> l.startsWith(prefix));
        } catch (java.io.IOException e) {
            return false;
        }
    }

    private static long count(final AgentCluster c, final int server, final String text) throws Exception {
        return Files.readAllLines(c.log(server)).stream().filter(l -> l.contains(text)).count();
    }
}
