package armd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import armd.control.ControlHandler;
import armd.control.ControlServer;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The control socket refuses callers other than root and the agent's user: a client run as nobody (setpriv)
 * gets "permission denied", from SO_PEERCRED when the socket's mode lets it connect, from the file mode
 * (0600 in a 0700 directory) otherwise. Root: it switches users.
 */
class ControlPeerCredIT {
    private static final Path BIN = Path.of("target/bin").toAbsolutePath();
    private static final Path CLASSES = Path.of("target/classes").toAbsolutePath();

    @TempDir
    Path tmp;

    private final AtomicInteger handled = new AtomicInteger();
    private final ControlHandler handler = (r, p, reply) -> {
        handled.incrementAndGet();
        reply.ok("status");
    };

    @BeforeEach
    void needRootAndSetpriv() throws Exception {
        Netns.assumeRoot();
        Need.that(Files.isExecutable(Path.of("/usr/bin/setpriv")), "ControlPeerCredIT needs setpriv (util-linux) "
            + "to run a client as nobody");
        // nobody must reach the socket's directory through the test's temp dir
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private record Run(int exit, String err) {
    }

    private Run asNobody(final String... command) throws Exception {
        final List<String> cmd = new ArrayList<>(List.of("/usr/bin/setpriv", "--reuid=65534", "--regid=65534",
            "--clear-groups"));
        cmd.addAll(List.of(command));
        final Path err = tmp.resolve("err");
        final Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .redirectError(err.toFile()).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "client as nobody did not finish");
        return new Run(p.exitValue(), Files.readString(err, StandardCharsets.UTF_8).strip());
    }

    private String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    @Test
    void soPeercredRefusesAnotherUserThatCanConnect() throws Exception {
        final Path socket = tmp.resolve("run/armd.sock");
        try (ControlServer server = ControlServer.start(ControlServer.Options.defaults(socket).withModes(0666, 0755),
            handler)) {
            if (Files.isExecutable(BIN.resolve("armctl"))) {
                assertEquals(new Run(3, "armstat: permission denied: armd's control socket is root-only"),
                    asNobody("env", "ARMD_SOCKET=" + socket, BIN.resolve("armstat").toString()));
            } else {
                Need.partMissing("the native half of ControlPeerCredIT: target/bin/armctl is not built (scripts/build)");
            }
            assertEquals(new Run(3, "armd status: permission denied: armd's control socket is root-only"),
                asNobody(java(), "-XX:-UsePerfData", "-Xshare:auto", "--enable-native-access=ALL-UNNAMED", "-cp",
                    CLASSES.toString(), "armd.Main", "status", "--socket", socket.toString()));
            assertEquals(0, handled.get());
        }
    }

    @Test
    void theDefaultModesKeepOtherUsersFromConnectingAtAll() throws Exception {
        final Path socket = tmp.resolve("run/armd.sock");
        try (ControlServer server = ControlServer.start(ControlServer.Options.defaults(socket), handler)) {
            Need.that(Files.isExecutable(BIN.resolve("armctl")), "target/bin/armctl is not built (scripts/build)");
            assertEquals(new Run(3, "armstat: permission denied: armd's control socket " + socket + " is root-only"),
                asNobody("env", "ARMD_SOCKET=" + socket, BIN.resolve("armstat").toString()));
            assertEquals(0, handled.get());
        }
    }
}
