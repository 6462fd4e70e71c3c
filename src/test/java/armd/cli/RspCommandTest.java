package armd.cli;

import armd.base.Exit;
import armd.base.OperatorException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import armd.control.ControlRequest;
import armd.control.ControlServer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code armd rsp} against a stand-in agent on a control socket: acting on a failure, exit codes, usage. */
class RspCommandTest {
    @TempDir
    Path tmp;

    private Path socket;
    private ControlServer server;
    private final List<ControlRequest> seen = new CopyOnWriteArrayList<>();
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @BeforeEach
    void start() throws IOException {
        socket = tmp.resolve("run/armd.sock");
        server = ControlServer.start(ControlServer.Options.defaults(socket), (r, p, reply) -> {
            seen.add(r);
            reply.ok(r instanceof ControlRequest.Status ? "status" : "group A: failing over");
        });
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private int rsp(final String... args) throws Exception {
        return new RspCommand(new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8)).run(args);
    }

    private Path script(final int exitCode) throws IOException {
        final Path s = tmp.resolve("check" + exitCode + ".sh");
        Files.writeString(s, "#!/bin/sh\nexit " + exitCode + "\n");
        Files.setPosixFilePermissions(s, PosixFilePermissions.fromString("rwxr-xr-x"));
        return s;
    }

    @Test
    void aFailingScriptMakesItAskForAFailoverAndExit1() throws Exception {
        assertEquals(Exit.FAULT, rsp("--group", "A", "--script", script(1).toString(), "--interval", "50ms",
            "--failures", "2", "--socket", socket.toString()));
        assertEquals(List.of(new ControlRequest.Status(false), new ControlRequest.GroupFailover("A")), seen);
        final String text = out.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("monitor --script " + script(1) + " failed (script monitor --script ")
            && text.contains("exited with code 1): asked the agent to fail over group A: done: group A: failing over"),
            text);
    }

    @Test
    void actionStopAsksToStopTheGroup() throws Exception {
        assertEquals(Exit.FAULT, rsp("--group", "A", "--script", script(3).toString(), "--interval", "50ms",
            "--failures", "1", "--action", "stop", "--socket", socket.toString()));
        assertEquals(new ControlRequest.GroupStop("A"), seen.getLast());
    }

    @Test
    void aMonitorThatCannotWorkHereIsExit2WithOneLine() {
        // /dev/null has no SCSI pass-through: TEST UNIT READY is not supported
        final OperatorException e = assertThrows(OperatorException.class, () -> rsp("--group", "A", "--tur",
            "/dev/null", "--socket", socket.toString()));
        assertEquals(Exit.USAGE, e.exitCode());
        assertTrue(e.getMessage().startsWith("monitor --tur /dev/null of group A cannot work on this server: "
            + "/dev/null: TEST UNIT READY through SG_IO is not supported"), e.getMessage());
        assertEquals(List.of(new ControlRequest.Status(false)), seen);
    }

    @Test
    void noAgentIsExit4() throws Exception {
        final OperatorException e = assertThrows(OperatorException.class, () -> rsp("--group", "A", "--script",
            script(1).toString(), "--socket", tmp.resolve("none.sock").toString()));
        assertEquals(Exit.NO_AGENT, e.exitCode());
        assertTrue(e.getMessage().startsWith("agent not running"), e.getMessage());
    }

    @Test
    void usageMistakesAreExit2() {
        for (final String[] args : List.of(
            new String[] {"--script", "x"},
            new String[] {"--group", "A"},
            new String[] {"--group", "A", "--ping", "gateway"},
            new String[] {"--group", "A", "--ping", "192.0.2.1", "--action", "reboot"},
            new String[] {"--group", "A", "--ping", "192.0.2.1", "--interval", "fast"},
            new String[] {"--group", "A", "--monitor", "lan"},
            new String[] {"--group", "A", "--link", "no-such-if0"},
            new String[] {"--group", "A", "--script", "/nonexistent/check.sh"})) {
            final OperatorException e = assertThrows(OperatorException.class, () -> rsp(args), String.join(" ", args));
            assertEquals(Exit.USAGE, e.exitCode(), e.getMessage());
        }
    }

    private Path config() throws IOException {
        final Path key = tmp.resolve("armd.key");
        Files.writeString(key, armd.config.ClusterKey.format(armd.config.ClusterKey.generate()));
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
        final Path conf = tmp.resolve("armd.conf");
        Files.writeString(conf, "[cluster]\nname = t\nkey-file = armd.key\nsocket = " + socket + "\n"
            + "[server s1]\naddress = 192.0.2.1\n[server s2]\naddress = 192.0.2.2\n"
            + "[group A]\npolicy = s1, s2\nstart = " + script(0) + "\nstop = " + script(0) + "\n"
            + "[monitor ok]\ngroup = A\ntype = script\ncommand = " + script(0) + "\ninterval = 50ms\n"
            + "[monitor broken]\ngroup = A\ntype = script\ncommand = " + script(1) + "\ninterval = 50ms\n"
            + "failures = 2\naction = stop\n");
        return conf;
    }

    @Test
    void theMonitorsOfAGroupComeFromTheConfiguration() throws Exception {
        assertEquals(Exit.FAULT, rsp("--group", "A", "--config", config().toString(), "--server", "s2"));
        assertEquals(List.of(new ControlRequest.Status(false), new ControlRequest.GroupStop("A")), seen);
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("monitor broken failed"), out.toString());
    }

    @Test
    void configurationMistakesAreExit2() throws Exception {
        final Path conf = config();
        for (final String[] args : List.of(
            new String[] {"--group", "B", "--config", conf.toString()},
            new String[] {"--group", "A", "--config", conf.toString(), "--monitor", "lan"},
            new String[] {"--group", "A", "--config", conf.toString(), "--server", "s9"},
            new String[] {"--group", "A", "--config", conf.toString(), "--ping", "192.0.2.254"})) {
            final OperatorException e = assertThrows(OperatorException.class, () -> rsp(args), String.join(" ", args));
            assertEquals(Exit.USAGE, e.exitCode(), e.getMessage());
        }
        assertEquals(List.of(), seen);
    }

    @Test
    void helpIsExit0() throws Exception {
        assertEquals(Exit.OK, rsp("--help"));
        assertTrue(out.toString(StandardCharsets.UTF_8).startsWith("usage: armd rsp"));
    }
}
