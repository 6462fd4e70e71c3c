package armd.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import armd.it.Need;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The native arm* commands (target/bin, built by {@code make -C native}) against a real ControlServer whose
 * handler is a fake agent: LOAD and KILL go to a real {@link ProcessWatcher}.
 */
class NativeCommandsTest {
    private static final Path BIN = Path.of("target/bin").toAbsolutePath();

    @TempDir
    Path tmp;

    private Path socket;
    private ControlServer server;
    private final BlockingQueue<String> exits = new LinkedBlockingQueue<>();
    private final ProcessWatcher watcher = new ProcessWatcher((g, id, pid) -> exits.add(g + "/" + id + "/" + pid));
    private final List<ControlRequest> seen = new CopyOnWriteArrayList<>();
    private final List<Integer> loadedPids = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws IOException {
        Need.that(Files.isExecutable(BIN.resolve("armctl")),
            BIN + "/armctl is not built: run 'make -C native' (scripts/build does)");
        socket = tmp.resolve("armd.sock");
        server = ControlServer.start(ControlServer.Options.defaults(socket), this::handle);
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        watcher.close();
        for (final int pid : loadedPids) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    /** A fake agent: groups A and R exist (R refuses LOAD); everything else is unknown. */
    private void handle(final ControlRequest r, final PeerCredentials peer, final ControlReply reply) {
        seen.add(r);
        switch (r) {
            case ControlRequest.Status s -> reply.ok(s.json() ? "{\"servers\":[]}" : "server1 up\nA running");
            case ControlRequest.ListMounts m when m.group().equals("A") -> reply.ok("/mnt/a\n/mnt/a/logs\n");
            case ControlRequest.Load l when l.group().equals("A") -> {
                loadedPids.add(l.pid());
                if (watcher.watch(l.group(), l.id(), l.pid())) {
                    reply.ok("");
                } else {
                    reply.refused(l.id() + " is already watched in group " + l.group());
                }
            }
            case ControlRequest.Load l when l.group().equals("R") -> {
                loadedPids.add(l.pid());
                reply.refused("group R is stopping");
            }
            case ControlRequest.Kill k when k.group().equals("A") -> watcher.kill(k.group(), k.id(), k.timeoutMs())
                .thenAccept(o -> {
                    if (o == ProcessWatcher.KillOutcome.NOT_WATCHED) {
                        reply.unknown("no process watched as " + k.id() + " in group A");
                    } else {
                        reply.ok("");
                    }
                });
            case ControlRequest.GroupMove g when g.group().equals("A") -> reply.ok("");
            case ControlRequest.GroupFailover g when g.group().equals("A") -> reply.ok("");
            case ControlRequest.Log l -> reply.ok("");
            case ControlRequest.Super x -> reply.ok("");
            case ControlRequest.ClusterStart c -> reply.refused("the cluster is running already");
            default -> reply.unknown("unknown group");
        }
    }

    /** Gone, or a zombie: orphans are reaped by whoever is pid 1 here, maybe late. */
    private static boolean exited(final int pid) {
        try {
            final String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            return stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
        } catch (IOException e) {
            return true;
        }
    }

    private record Run(int exit, String out, String err) {
    }

    private Run run(final Map<String, String> env, final String... command) throws Exception {
        final List<String> cmd = new ArrayList<>(List.of(command));
        cmd.set(0, BIN.resolve(command[0]).toString());
        final ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().remove("ARMS_GROUPNAME");
        pb.environment().remove("ARMD_SCRIPT");
        pb.environment().put("ARMD_SOCKET", socket.toString());
        pb.environment().putAll(env);
        final Path out = tmp.resolve("out");
        final Path err = tmp.resolve("err");
        final Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), String.join(" ", command) + " did not finish");
        return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
            Files.readString(err, StandardCharsets.UTF_8));
    }

    private Run run(final String... command) throws Exception {
        return run(Map.of(), command);
    }

    @Test
    void statusPrintsTheAgentsText() throws Exception {
        assertEquals(new Run(0, "server1 up\nA running\n", ""), run("armstat"));
        assertEquals(new Run(0, "{\"servers\":[]}\n", ""), run("armstat", "--json"));
        assertEquals(List.of(new ControlRequest.Status(false), new ControlRequest.Status(true)), seen);
    }

    @Test
    void armstatWatchRepeatsUntilInterrupted() throws Exception {
        final Path out = tmp.resolve("watch.out");
        final ProcessBuilder pb = new ProcessBuilder(BIN.resolve("armstat").toString(), "--watch", "1");
        pb.environment().put("ARMD_SOCKET", socket.toString());
        final Process p = pb.redirectOutput(out.toFile()).redirectErrorStream(true).start();
        try {
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (Files.readString(out).split("Every 1s: armstat", -1).length < 3) {
                assertTrue(System.nanoTime() < deadline, "two rounds within 30 s: " + Files.readString(out));
                Thread.sleep(50);
            }
            final String text = Files.readString(out);
            assertTrue(text.contains("server1 up\nA running\n"), text);
            assertTrue(!text.contains("\u001b"), "no escape codes when stdout is not a terminal");
            new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start().waitFor();
            assertTrue(p.waitFor(10, TimeUnit.SECONDS), "armstat --watch ends on SIGINT");
            assertEquals(0, p.exitValue());
        } finally {
            p.destroyForcibly();
        }
        assertEquals(new Run(2, "", "armstat: --watch takes seconds from 1 to 3600, not '0' (see 'armstat --help')\n"),
            run("armstat", "--watch", "0"));
    }

    @Test
    void groupAndServerCommandsSendTheirRequests() throws Exception {
        assertEquals(0, run("armgrp", "move", "A", "server2").exit());
        assertEquals(0, run("armfover", "A").exit());
        assertEquals(0, run("armfover", "A", "server1").exit());
        assertEquals(List.of(new ControlRequest.GroupMove("A", Optional.of("server2")),
            new ControlRequest.GroupFailover("A"), new ControlRequest.GroupMove("A", Optional.of("server1"))), seen);
    }

    @Test
    void anUnknownGroupAndARefusalAreOneLineWithTheirExitCodes() throws Exception {
        assertEquals(new Run(2, "", "armfover: unknown group\n"), run("armfover", "Z"));
        assertEquals(new Run(1, "", "armcl: the cluster is running already\n"), run("armcl", "start"));
    }

    @Test
    void armconfSendsAnAbsolutePathAndForceReturn() throws Exception {
        final java.nio.file.Path file = java.nio.file.Files.createTempFile("armconf-", ".conf");
        try {
            assertEquals(0, run("armconf", "push", file.toString()).exit());
            assertEquals(0, run("armconf", "force-return").exit());
            assertEquals(0, run("armconf", "apply").exit());
            assertEquals(List.of(new ControlRequest.Super("push", file.toRealPath().toString()),
                new ControlRequest.Super("force-return", ""), new ControlRequest.Super("apply", "")), seen);
            assertEquals(2, run("armconf", "push", file + ".missing").exit());
            assertEquals(2, run("armconf", "fetch").exit());
        } finally {
            java.nio.file.Files.deleteIfExists(file);
        }
    }

    @Test
    void armlsmntPrintsOneMountPointALine() throws Exception {
        assertEquals(new Run(0, "/mnt/a\n/mnt/a/logs\n", ""), run(Map.of("ARMS_GROUPNAME", "A"), "armlsmnt"));
    }

    @Test
    void armlogNamesTheGroupAndScriptFromTheEnvironment() throws Exception {
        assertEquals(0, run(Map.of("ARMS_GROUPNAME", "A", "ARMD_SCRIPT", "start"), "armlog", "KILL", "NO PROCESS")
            .exit());
        assertEquals(List.of(new ControlRequest.Log(Optional.of("A"), Optional.of("start"), "KILL NO PROCESS")), seen);
    }

    @Test
    void armloadStartsTheAppAndTheWatcherReportsItsDeath() throws Exception {
        final Run r = run(Map.of("ARMS_GROUPNAME", "A"), "armload", "-r", "2", "-w", "5", "-a", "restart", "-i",
            "app", "sleep", "60");
        assertEquals(new Run(0, "", ""), r);
        final ControlRequest.Load load = (ControlRequest.Load) seen.getFirst();
        assertEquals(new ControlRequest.Load("A", "app", load.pid(), ControlRequest.LoadAction.RESTART, 2, 5,
            "sleep 60"), load);
        final ProcessHandle app = ProcessHandle.of(load.pid()).orElseThrow();
        assertTrue(app.info().command().orElse("").endsWith("sleep"), app.info().toString());
        app.destroyForcibly(); // the application dies
        assertEquals("A/app/" + load.pid(), exits.poll(10, TimeUnit.SECONDS));
    }

    @Test
    void armkillStopsTheAppWithoutAnExitReport() throws Exception {
        assertEquals(0, run("armload", "-g", "A", "sleep", "60").exit());
        final int pid = ((ControlRequest.Load) seen.getFirst()).pid();
        assertEquals(new Run(0, "", ""), run("armkill", "-g", "A", "-t", "5", "sleep"));
        assertTrue(exited(pid), "pid " + pid + " still runs");
        assertEquals(null, exits.poll(100, TimeUnit.MILLISECONDS));
        assertEquals(new Run(2, "", "armkill: no process watched as sleep in group A\n"),
            run("armkill", "-g", "A", "sleep"));
    }

    @Test
    void aRefusedArmloadKillsTheProcessItStarted() throws Exception {
        final Run r = run("armload", "-g", "R", "-i", "app", "sleep", "60");
        assertEquals(new Run(1, "", "armload: group R is stopping (app stopped again)\n"), r);
        final int pid = loadedPids.getFirst();
        assertTrue(exited(pid), "pid " + pid + " still runs");
    }

    @Test
    void aStaleSocketSaysNobodyListens() throws Exception {
        server.close();
        final java.nio.channels.ServerSocketChannel dead = java.nio.channels.ServerSocketChannel.open(
            java.net.StandardProtocolFamily.UNIX);
        dead.bind(java.net.UnixDomainSocketAddress.of(socket));
        dead.close();
        assertEquals(new Run(4, "", "armstat: agent not running (nobody listens on " + socket + "): start it with "
            + "'systemctl start armd@NAME' or 'armd run --config FILE --server NAME'\n"), run("armstat"));
    }
}
