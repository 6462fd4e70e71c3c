package armd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import armd.control.ControlClient;
import armd.control.ControlRequest;
import armd.control.ControlServer;
import armd.control.ControlStatus;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.net.UnixDomainSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator always gets through the control socket: a real agent flooded from another process with 200 idle
 * connections and 20 slow writers (as root, the operator's own user) still answers armstat and 'armd status'
 * every time; other users' connections are refused at once without taking a slot; a flood of malformed
 * requests yields a bounded number of log lines, with the count.
 */
class ControlFloodIT {
    private static final Path BIN = Path.of("target/bin").toAbsolutePath();

    @TempDir
    Path tmp;

    @BeforeEach
    void root() {
        Tmpfs.requireRoot("ControlFloodIT");
    }

    @Test
    void theOperatorGetsThroughIdleConnectionsAndSlowWritersOfAnotherRootProcess() throws Exception {
        try (AgentCluster c = new AgentCluster("cfl", 2, false)) {
            c.startAll();
            c.awaitRecords(3, 60);
            final Process flood = flood(c.socket(0), 200, 20, 60, List.of());
            try {
                final List<Long> ms = operatorCalls(c.socket(0), 10);
                System.out.println("control flood (root, 200 idle + 20 slow): armstat/status round trips ms " + ms);
            } finally {
                flood.destroyForcibly();
                flood.waitFor(10, TimeUnit.SECONDS);
            }
            assertTrue(c.status(0).contains("server1"));
        }
    }

    @Test
    void otherUsersAreRefusedAtOnceAndTakeNoSlot() throws Exception {
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        final Path socket = tmp.resolve("run/armd.sock");
        final ControlServer.Options options = ControlServer.Options.defaults(socket).withModes(0666, 0755);
        try (ControlServer server = ControlServer.start(options, (r, p, reply) -> reply.ok("status of " + p))) {
            final Process flood = flood(socket, 200, 20, 60, List.of("/usr/bin/setpriv", "--reuid=65534",
                "--regid=65534", "--clear-groups"));
            try {
                final List<Long> ms = operatorCalls(socket, 10);
                System.out.println("control flood (nobody, 200 idle + 20 slow): status round trips ms " + ms);
            } finally {
                flood.destroyForcibly();
                flood.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void aFloodOfMalformedRequestsLogsFewLinesAndCountsThem() throws Exception {
        final int n = 2_000;
        try (AgentCluster c = new AgentCluster("cfm", 2, false)) {
            c.startAll();
            c.awaitRecords(3, 60);
            final byte[] bad = "GET / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
            for (int i = 0; i < n; i++) {
                try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(c.socket(0)))) {
                    ch.write(ByteBuffer.wrap(bad));
                    ch.shutdownOutput();
                    while (ch.read(ByteBuffer.allocate(256)) >= 0) {
                        // the protocol error reply, then EOF
                    }
                }
            }
            assertTrue(c.status(0).contains("server1"));
            c.await(() -> malformedCounted(lines(c.log(0))) >= n, 60, n + " malformed requests counted in the log");
            final List<String> lines = lines(c.log(0)).stream().filter(l -> l.contains("malformed control request"))
                .toList();
            assertEquals(n, malformedCounted(lines), String.join("\n", lines));
            assertTrue(lines.size() <= 4, lines.size() + " lines:\n" + String.join("\n", lines.subList(0,
                Math.min(20, lines.size()))));
        }
    }

    private static List<String> lines(final Path log) {
        try {
            return Files.readAllLines(log);
        } catch (IOException e) {
            return List.of();
        }
    }

    /** Malformed requests the log lines account for: one per plain line, N per "N more" summary. */
    private static long malformedCounted(final List<String> lines) {
        long total = 0;
        for (final String l : lines) {
            final int more = l.indexOf(" more malformed control requests");
            if (more > 0) {
                final String head = l.substring(0, more);
                total += Long.parseLong(head.substring(head.lastIndexOf(' ') + 1));
            } else if (l.contains("malformed control request")) {
                total++;
            }
        }
        return total;
    }

    /** The flooder, as its own process (prefixed by {@code as}, e.g. setpriv), once its connections are tried. */
    private static Process flood(final Path socket, final int idle, final int slow, final int seconds,
                                 final List<String> as) throws IOException {
        final List<String> cmd = new ArrayList<>(as);
        cmd.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xshare:auto",
            "-cp", System.getProperty("java.class.path"), ControlFlood.class.getName(), socket.toString(),
            Integer.toString(idle), Integer.toString(slow), Integer.toString(seconds)));
        final Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        final BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(),
            StandardCharsets.UTF_8));
        final String first = out.readLine();
        assertEquals("ready", first, "the flooder did not start");
        Thread.ofVirtual().start(() -> out.lines().forEach(l -> System.out.println("flood: " + l)));
        return p;
    }

    /**
     * {@code rounds} times: armstat (native, when built) and 'armd status' (JVM client) against {@code socket};
     * every call must answer OK within its 10 s bound. Returns the round trips in ms.
     */
    private static List<Long> operatorCalls(final Path socket, final int rounds) throws Exception {
        final List<Long> ms = new ArrayList<>();
        for (int i = 0; i < rounds; i++) {
            if (Files.isExecutable(BIN.resolve("armstat"))) {
                final long t0 = System.nanoTime();
                final ProcessBuilder pb = new ProcessBuilder(BIN.resolve("armstat").toString()).redirectErrorStream(true);
                pb.environment().put("ARMD_SOCKET", socket.toString());
                final Process p = pb.start();
                p.getOutputStream().close();
                assertTrue(p.waitFor(10, TimeUnit.SECONDS), "armstat did not answer within 10 s");
                final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertEquals(0, p.exitValue(), "armstat: " + out);
                ms.add((System.nanoTime() - t0) / 1_000_000);
            }
            final long t0 = System.nanoTime();
            final ControlClient.Reply r = new ControlClient(socket, 10_000).call(new ControlRequest.Status(false));
            assertEquals(ControlStatus.OK, r.status(), r.text());
            ms.add((System.nanoTime() - t0) / 1_000_000);
        }
        return ms;
    }
}
