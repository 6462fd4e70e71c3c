package armd.vm;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Guest side of the fault-injection channel: sends one QMP command at a time to the host through the
 * virtio-serial port {@code armd.ctl} and waits, bounded, for qemu's one-line answer (see {@link ScsiVm}).
 * Used only inside the test guest, from one thread.
 */
final class HostLink implements AutoCloseable {
    static final String PORT_NAME = "armd.ctl";
    private static final Duration REPLY_TIMEOUT = Duration.ofSeconds(60);

    private final RandomAccessFile port;
    private final BlockingQueue<String> replies = new ArrayBlockingQueue<>(16);

    private HostLink(final Path port) throws IOException {
        // a virtio-serial port can be open only once: one descriptor for both directions
        this.port = new RandomAccessFile(port.toFile(), "rw");
        // a read on the port blocks until the host writes: a daemon thread turns it into a bounded wait
        Thread.ofPlatform().daemon().name("host-link").start(this::readLines);
    }

    /** Opens the port named {@code armd.ctl} (found through sysfs: there is no udev in the guest). */
    static HostLink open() throws IOException {
        try (Stream<Path> ports = Files.list(Path.of("/sys/class/virtio-ports"))) {
            for (final Path p : ports.toList()) {
                final Path name = p.resolve("name");
                if (Files.exists(name) && Files.readString(name).strip().equals(PORT_NAME)) {
                    return new HostLink(Path.of("/dev", p.getFileName().toString()));
                }
            }
        }
        throw new IOException("no virtio-serial port named " + PORT_NAME + " in /sys/class/virtio-ports");
    }

    /** Sends one QMP command and returns the host's reply line; throws when qemu answers with an error. */
    String qmp(final String json) throws IOException {
        final String reply = qmpRaw(json);
        if (!reply.startsWith("{\"return\"")) {
            throw new IOException("qmp " + json + " failed: " + reply);
        }
        return reply;
    }

    /** Sends one QMP command and returns the reply line as it is ({@code {"return"...}} or {@code {"error"...}}). */
    String qmpRaw(final String json) throws IOException {
        if (json.indexOf('\n') >= 0) {
            throw new IllegalArgumentException("one line per command: " + json);
        }
        port.write((json + "\n").getBytes(StandardCharsets.UTF_8));
        try {
            final String reply = replies.poll(REPLY_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            if (reply == null) {
                throw new IOException("no reply from the host within " + REPLY_TIMEOUT.toSeconds() + " s to " + json);
            }
            return reply;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    private void readLines() {
        final StringBuilder line = new StringBuilder();
        final byte[] buf = new byte[4096];
        try {
            int n;
            while ((n = port.read(buf)) >= 0) {
                for (int i = 0; i < n; i++) {
                    if (buf[i] == '\n') {
                        replies.offer(line.toString().strip());
                        line.setLength(0);
                    } else {
                        line.append((char) (buf[i] & 0xff));
                    }
                }
            }
        } catch (IOException e) {
            // the port closed: the pending qmp call times out
        }
    }

    @Override
    public void close() throws IOException {
        port.close();
    }
}
