package armd.bench;

import armd.control.ControlServer;

import java.nio.file.Path;

/**
 * A ControlServer with a trivial handler (every request: OK "status"), for timing one command's round trip
 * from outside: {@code benchmarks/control-roundtrip.sh} runs it and times armstat and {@code armd status}
 * against it. Serves until its stdin closes.
 */
public final class ControlEchoServer {
    private ControlEchoServer() {
    }

    /** {@code args[0]}: the socket path. */
    public static void main(final String[] args) throws Exception {
        try (ControlServer server = ControlServer.start(ControlServer.Options.defaults(Path.of(args[0])),
            (request, peer, reply) -> reply.ok("server1 up"))) {
            System.out.println("listening on " + server.socket());
            System.out.flush();
            while (System.in.read() >= 0) {
                continue;
            }
        }
    }
}
