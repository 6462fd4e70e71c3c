package armd.supercluster;

import armd.config.SuperConfig;
import armd.wire.SuperFrame;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Asks the master cluster's servers (docs/behaviour.md#super-cluster): one request, one answer, over the super
 * cluster's authenticated UDP frames. An answer counts only when it verifies with the super cluster key, comes from
 * the server asked and echoes the request's fresh nonce: a replayed, forged, late or truncated datagram is dropped
 * (and counted), never taken for an answer. Used by {@code armd config push}, by a starting agent for its
 * cluster's configuration and by a running agent's poll. Not thread-safe: one caller at a time.
 */
public final class SuperClient implements AutoCloseable {
    /** The largest datagram read: a frame is at most {@link SuperFrame#MAX_FRAME_LENGTH} bytes. */
    private static final int RECEIVE_BYTES = 65_536;

    /**
     * The answer of the management server to a request.
     *
     * @param from  the master server that answered, or null when none did
     * @param body  its answer (never NOT_HOLDER), or null when none answered
     * @param tried the master servers asked, in order, each with what came of it ("m1 192.0.2.11: no answer")
     * @param holder the management server a master server named while none answered ("" none)
     */
    public record Reply(SuperConfig.Member from, SuperFrame.Body body, List<String> tried, String holder) {
        /** Copies the list. */
        public Reply {
            tried = List.copyOf(tried);
        }

        /** Whether a master server answered. */
        public boolean answered() {
            return body != null;
        }
    }

    private final SuperConfig config;
    private final SuperFrame codec;
    private final String self;
    private final int timeoutMs;
    private final DatagramSocket socket;
    private final SecureRandom random = new SecureRandom();
    private final byte[] buffer = new byte[RECEIVE_BYTES];
    private long dropped;

    /**
     * A client of the super cluster of {@code config} with {@code key}, sending as {@code self} (a server's name, or
     * a name for an operator's command), waiting {@code timeoutMs} for each answer.
     */
    public SuperClient(final SuperConfig config, final byte[] key, final String self, final int timeoutMs)
        throws IOException {
        this(config, key, self, timeoutMs, null);
    }

    /**
     * As above, its socket bound to {@code bindTo} (an agent's: its own address in the super cluster file, so that
     * the long-lived socket is not reachable on every address of the host), or to any address when null.
     */
    public SuperClient(final SuperConfig config, final byte[] key, final String self, final int timeoutMs,
                       final java.net.InetAddress bindTo) throws IOException {
        this.config = config;
        this.codec = SuperFrame.of(key, config.frameIdentity());
        this.self = self;
        this.timeoutMs = timeoutMs;
        this.socket = bindTo == null ? new DatagramSocket() : new DatagramSocket(new InetSocketAddress(bindTo, 0));
    }

    /**
     * Pushes {@code bytes} as the configuration of {@code cluster} made against {@code base}, or, when {@code base}
     * is negative, against the version the management server holds now (asked first): a push always names its
     * base, so a push datagram captured and sent again later is refused as stale.
     */
    public Reply push(final String cluster, final byte[] bytes, final long base) throws IOException {
        long against = base;
        if (against < 0) {
            final Reply current = askManagement(new SuperFrame.Fetch(cluster, Long.MAX_VALUE));
            if (!current.answered()) {
                return current;
            }
            against = current.body() instanceof SuperFrame.Current c ? c.version() : 0;
        }
        return askManagement(new SuperFrame.Push(cluster, against, bytes));
    }

    /** Datagrams dropped while waiting for answers: not authentic, not the server asked, not the nonce sent. */
    public long dropped() {
        return dropped;
    }

    /**
     * Sends {@code body} to the master servers in order until one that is the management server answers: a server
     * that answers "not the management server" and names the holder has the holder asked next.
     */
    public Reply askManagement(final SuperFrame.Body body) throws IOException {
        final List<SuperConfig.Member> masters = config.cluster(config.master()).orElseThrow().servers();
        final Deque<SuperConfig.Member> queue = new ArrayDeque<>(masters);
        final Set<String> asked = new LinkedHashSet<>();
        final List<String> tried = new ArrayList<>();
        String holder = "";
        for (int round = 0; round < 2 * masters.size() && !queue.isEmpty(); round++) {
            final SuperConfig.Member m = queue.pollFirst();
            if (!asked.add(m.name())) {
                continue;
            }
            final SuperFrame.Body answer = ask(m, body);
            if (answer == null) {
                tried.add(m.name() + " " + m.address().getHostAddress() + ": no answer");
                continue;
            }
            final String named = notHolder(answer);
            if (named == null) {
                tried.add(m.name() + " " + m.address().getHostAddress() + ": answered");
                return new Reply(m, answer, tried, holder);
            }
            tried.add(m.name() + " " + m.address().getHostAddress() + ": not the management server"
                + (named.isEmpty() ? " (it knows none)" : " (it names " + named + ")"));
            if (!named.isEmpty()) {
                holder = named;
                config.server(named).filter(n -> masters.contains(n) && !asked.contains(n.name()))
                    .ifPresent(queue::addFirst);
            }
        }
        return new Reply(null, null, tried, holder);
    }

    /** The holder named by a "not the management server" answer ("" none named), or null for any other answer. */
    private static String notHolder(final SuperFrame.Body answer) {
        return switch (answer) {
            case SuperFrame.NotHolder n -> n.holder();
            case SuperFrame.PushResult r when r.outcome() == SuperFrame.Outcome.NOT_HOLDER -> r.holder();
            default -> null;
        };
    }

    /** Sends {@code body} to {@code to} and waits for its answer; null when none came in time. */
    public SuperFrame.Body ask(final SuperConfig.Member to, final SuperFrame.Body body) throws IOException {
        final long nonce = random.nextLong();
        final byte[] out = codec.encode(new SuperFrame.Frame(self, nonce, body));
        final InetSocketAddress at = new InetSocketAddress(to.address(), config.port());
        try {
            socket.send(new DatagramPacket(out, out.length, at));
        } catch (IOException e) {
            // no route, unreachable network: this server does not answer
            return null;
        }
        final long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
        final DatagramPacket in = new DatagramPacket(buffer, buffer.length);
        for (int i = 0; i < 1_000; i++) {
            final long leftMs = (deadline - System.nanoTime()) / 1_000_000L;
            if (leftMs <= 0) {
                return null;
            }
            socket.setSoTimeout((int) Math.max(1, leftMs));
            try {
                socket.receive(in);
            } catch (SocketTimeoutException e) {
                return null;
            } catch (java.net.PortUnreachableException e) {
                return null;
            }
            final SuperFrame.Decoded d = codec.decode(buffer, 0, in.getLength());
            if (!d.ok() || d.frame().nonce() != nonce || !d.frame().sender().equals(to.name())) {
                dropped++;
                continue;
            }
            return d.frame().body();
        }
        return null;
    }

    @Override
    public void close() {
        socket.close();
    }
}
