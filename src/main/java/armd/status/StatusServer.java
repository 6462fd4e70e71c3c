package armd.status;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The agent's read-only status page on the JDK's own HTTP server: {@code /} the HTML page, {@code /metrics} the
 * Prometheus metrics, {@code /status.json} the JSON of armstat --json. GET and HEAD only; nothing it serves can
 * change the cluster. One thread serves the requests, so a flood of them cannot take more from the machine.
 */
public final class StatusServer implements AutoCloseable {
    /** The default address: loopback only. */
    public static final InetSocketAddress DEFAULT_ADDRESS = new InetSocketAddress("127.0.0.1", 7406);
    private static final long SNAPSHOT_TIMEOUT_MS = 5_000;

    private final HttpServer server;
    private final ExecutorService executor;

    private StatusServer(final HttpServer server, final ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    /** Serves the snapshots {@code status} gives (taken on the agent thread) at {@code address}. */
    public static StatusServer start(final InetSocketAddress address,
                                     final Supplier<CompletableFuture<ClusterStatus>> status) throws IOException {
        final HttpServer server = HttpServer.create(address, 16);
        final ExecutorService executor = Executors.newSingleThreadExecutor(r -> Thread.ofPlatform().daemon()
            .name("armd-status-http").unstarted(r));
        server.setExecutor(executor);
        server.createContext("/", ex -> serve(ex, status, "text/html; charset=utf-8", StatusPage::render));
        server.createContext("/metrics", ex -> serve(ex, status, StatusMetrics.CONTENT_TYPE, StatusMetrics::render));
        server.createContext("/status.json", ex -> serve(ex, status, "application/json", s -> StatusJson.render(s)
            + "\n"));
        server.start();
        return new StatusServer(server, executor);
    }

    /** The address it listens on (the port chosen by the kernel when 0 was asked). */
    public InetSocketAddress address() {
        return server.getAddress();
    }

    private static void serve(final HttpExchange ex, final Supplier<CompletableFuture<ClusterStatus>> status,
                              final String type, final Function<ClusterStatus, String> render) throws IOException {
        try (ex) {
            final String path = ex.getRequestURI().getPath();
            final String context = ex.getHttpContext().getPath();
            if (!path.equals(context) && !(context.equals("/") && path.equals("/index.html"))) {
                send(ex, 404, "text/plain; charset=utf-8", "not found: the status page is /, the metrics /metrics, "
                    + "the JSON /status.json\n");
                return;
            }
            final String method = ex.getRequestMethod();
            if (!method.equals("GET") && !method.equals("HEAD")) {
                ex.getResponseHeaders().set("Allow", "GET, HEAD");
                send(ex, 405, "text/plain; charset=utf-8", "read-only: GET or HEAD\n");
                return;
            }
            final ClusterStatus s;
            try {
                s = status.get().get(SNAPSHOT_TIMEOUT_MS, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                send(ex, 503, "text/plain; charset=utf-8", "the agent is stopping\n");
                return;
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                send(ex, 503, "text/plain; charset=utf-8", "the agent did not answer within " + SNAPSHOT_TIMEOUT_MS
                    + " ms\n");
                return;
            }
            send(ex, 200, type, render.apply(s));
        }
    }

    private static void send(final HttpExchange ex, final int code, final String type, final String body)
        throws IOException {
        final byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        ex.getResponseHeaders().set("Cache-Control", "no-store");
        ex.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
        ex.getResponseHeaders().set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'");
        final boolean head = ex.getRequestMethod().equals("HEAD");
        ex.sendResponseHeaders(code, head ? -1 : b.length);
        if (!head) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(b);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
