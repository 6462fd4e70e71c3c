package armd.cli;

import armd.base.Exit;
import armd.base.OperatorException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import armd.control.ControlRequest;
import armd.control.ControlServer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CtlCommandTest {
    @TempDir
    Path tmp;

    private final List<ControlRequest> seen = new CopyOnWriteArrayList<>();
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    private ControlServer server() throws IOException {
        return ControlServer.start(ControlServer.Options.defaults(tmp.resolve("armd.sock")), (r, p, reply) -> {
            seen.add(r);
            if (r instanceof ControlRequest.GroupMove m && m.group().equals("Z")) {
                reply.unknown("unknown group 'Z'");
            } else {
                reply.ok(r instanceof ControlRequest.Status s ? (s.json() ? "{}" : "all up") : "");
            }
        });
    }

    private int run(final String verb, final String... args) {
        final String[] all = new String[args.length + 2];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = "--socket";
        all[args.length + 1] = tmp.resolve("armd.sock").toString();
        return new CtlCommand(verb, new PrintStream(out, true, StandardCharsets.UTF_8)).run(all);
    }

    @Test
    void eachVerbSendsItsRequestAndPrintsTheText() throws IOException {
        try (ControlServer s = server()) {
            assertEquals(0, run("status"));
            assertEquals(0, run("status", "--json"));
            assertEquals(0, run("cluster", "shutdown"));
            assertEquals(0, run("server", "leave"));
            assertEquals(0, run("server", "return", "server1"));
            assertEquals(0, run("group", "start", "A"));
            assertEquals(0, run("group", "move", "A", "server2"));
            assertEquals(0, run("group", "stop", "A"));
        }
        assertEquals("all up\n{}\n", out.toString(StandardCharsets.UTF_8));
        assertEquals(List.of(new ControlRequest.Status(false), new ControlRequest.Status(true),
            new ControlRequest.ClusterShutdown(), new ControlRequest.ServerLeave(Optional.empty()),
            new ControlRequest.ServerReturn(Optional.of("server1")),
            new ControlRequest.GroupStart("A", Optional.empty()),
            new ControlRequest.GroupMove("A", Optional.of("server2")), new ControlRequest.GroupStop("A")), seen);
    }

    @Test
    void theAgentsRefusalBecomesAOneLineErrorWithItsExitCode() throws IOException {
        try (ControlServer s = server()) {
            final OperatorException e = assertThrows(OperatorException.class, () -> run("group", "move", "Z"));
            assertEquals(Exit.USAGE, e.exitCode());
            assertEquals("unknown group 'Z'", e.getMessage());
        }
    }

    @Test
    void usageMistakesAreExit2() {
        assertEquals(Exit.USAGE, assertThrows(OperatorException.class, () -> run("group", "explode", "A")).exitCode());
        assertEquals(Exit.USAGE, assertThrows(OperatorException.class, () -> run("group", "stop", "A", "B"))
            .exitCode());
        assertEquals(Exit.USAGE, assertThrows(OperatorException.class, () -> run("cluster", "start", "--json"))
            .exitCode());
    }

    @Test
    void noAgentIsExit4InOneLine() {
        final OperatorException e = assertThrows(OperatorException.class, () -> run("status"));
        assertEquals(Exit.NO_AGENT, e.exitCode());
        assertEquals("agent not running (no control socket at " + tmp.resolve("armd.sock") + "): start it with "
            + "'systemctl start armd@NAME' or 'armd run --config FILE --server NAME'", e.getMessage());
    }
}
