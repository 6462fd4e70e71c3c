package armd.it;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A hostile control-socket client, run as its own process by the tests (and by hand): for SECONDS it keeps
 * IDLE connections open that never send a byte, and SLOW connections that send a valid request's header one
 * byte every 200 ms; each reconnects as soon as the agent closes it. Prints "ready" once every connection was
 * tried, and at the end one line with what happened.
 *
 * <p>Usage: {@code java -cp ... armd.it.ControlFlood SOCKET IDLE SLOW SECONDS}
 */
public final class ControlFlood {
    private static final byte[] HEADER = {0x41, 0x52, 0x4D, 0x44, 0, 1, 0, 0x30, 0, 0, 0, 0, 0, 0, 0, 0};

    private ControlFlood() {
    }

    public static void main(final String[] args) throws Exception {
        final UnixDomainSocketAddress socket = UnixDomainSocketAddress.of(Path.of(args[0]));
        final int idle = Integer.parseInt(args[1]);
        final int slow = Integer.parseInt(args[2]);
        final long endNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(Integer.parseInt(args[3]));
        final AtomicLong connects = new AtomicLong();
        final AtomicLong failed = new AtomicLong();
        final AtomicLong closedByAgent = new AtomicLong();
        final CountDownLatch tried = new CountDownLatch(idle + slow);
        final List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < idle + slow; i++) {
            final boolean writer = i >= idle;
            threads.add(Thread.ofVirtual().start(() -> {
                boolean first = true;
                while (System.nanoTime() - endNs < 0) {
                    try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                        ch.connect(socket);
                        connects.incrementAndGet();
                        if (first) {
                            first = false;
                            tried.countDown();
                        }
                        hold(ch, writer, endNs);
                        closedByAgent.incrementAndGet();
                    } catch (IOException e) {
                        failed.incrementAndGet();
                        if (first) {
                            first = false;
                            tried.countDown();
                        }
                        pause(10);
                    }
                }
            }));
        }
        tried.await(60, TimeUnit.SECONDS);
        System.out.println("ready");
        System.out.flush();
        final long stopNs = endNs + TimeUnit.SECONDS.toNanos(5);
        for (final Thread t : threads) {
            t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(stopNs - System.nanoTime())));
        }
        System.out.println("connections " + connects.get() + " failed " + failed.get() + " closed-by-agent "
            + closedByAgent.get());
        System.exit(0);
    }

    /** Keeps {@code ch} busy until the agent closes it (returns) or the end (throws to stop the loop). */
    private static void hold(final SocketChannel ch, final boolean writer, final long endNs) throws IOException {
        final ByteBuffer in = ByteBuffer.allocate(256);
        if (!writer) {
            // idle: wait for the agent to give up on us
            ch.configureBlocking(true);
            while (ch.read(in.clear()) >= 0) {
                if (System.nanoTime() - endNs > 0) {
                    return;
                }
            }
            return;
        }
        ch.configureBlocking(false);
        for (int i = 0; System.nanoTime() - endNs < 0; i = (i + 1) % HEADER.length) {
            ch.write(ByteBuffer.wrap(HEADER, i, 1));
            final int n = ch.read(in.clear());
            if (n < 0 || n > 0) {
                return;
            }
            pause(200);
        }
    }

    private static void pause(final long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
