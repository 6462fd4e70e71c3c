package armd.bench;

import armd.it.Netns;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The client side of the failover harness: runs benchmarks/failover/probe.c (compiled into target/) in the client
 * namespace and keeps what it reports: echo replies from the virtual IP and ARP messages whose sender is the
 * virtual IP, each with its CLOCK_MONOTONIC time (the clock of {@link System#nanoTime()} on Linux) and the source
 * MAC. The driver {@link #clear() clears} the events at the start of each measurement and waits on them.
 */
final class ClientProbe implements AutoCloseable {
    /** What the probe saw. */
    enum Kind { ECHO, ARP, GARP }

    /** One event: the probe's CLOCK_MONOTONIC time, its kind, the frame's source MAC (aa:bb:...). */
    record Event(long ns, Kind kind, String mac) {
    }

    private final Process process;
    private final Thread reader;
    private final List<Event> events = new ArrayList<>();
    private volatile String failure;

    private ClientProbe(final Process process) {
        this.process = process;
        this.reader = Thread.ofPlatform().daemon().name("client-probe").start(this::read);
    }

    /**
     * Compiles the probe with gcc -O2 when its binary is missing or older than its source; returns the binary.
     */
    static Path compile(final Path source, final Path binary) throws IOException {
        if (Files.exists(binary)
            && Files.getLastModifiedTime(binary).compareTo(
                Files.getLastModifiedTime(source)) > 0) {
            return binary;
        }
        Files.createDirectories(binary.getParent());
        Netns.run("gcc", "-O2", "-std=c11", "-Wall", "-Wextra", "-Werror", "-o", binary.toString(),
            source.toString());
        return binary;
    }

    /** Starts the probe in {@code ns} on eth0, bounded to {@code seconds}, sending every millisecond. */
    static ClientProbe start(final Path binary, final String ns, final long seconds) throws IOException {
        final Process p = new ProcessBuilder("ip", "netns", "exec", ns, binary.toString(), "eth0",
            FailoverNet.CLIENT_IP, FailoverNet.VIP, Long.toString(seconds), "1000")
            .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        return new ClientProbe(p);
    }

    private void read() {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
            StandardCharsets.US_ASCII))) {
            String line;
            while ((line = r.readLine()) != null) {
                final String[] f = line.split(" ");
                if (f.length != 3) {
                    continue;
                }
                final Event e = new Event(Long.parseLong(f[0]), Kind.valueOf(f[1].toUpperCase(Locale.ROOT)),
                    f[2]);
                synchronized (events) {
                    events.add(e);
                    events.notifyAll();
                }
            }
        } catch (IOException | RuntimeException e) {
            failure = "client probe output unreadable: " + e;
        }
        if (failure == null) {
            failure = "client probe exited";
        }
        synchronized (events) {
            events.notifyAll();
        }
    }

    /** Forgets every event so far. */
    void clear() {
        synchronized (events) {
            events.clear();
        }
    }

    /**
     * The time of the first event of {@code kind} from {@code mac} later than {@code afterNs}, waiting until
     * {@code deadlineNs} (System.nanoTime); -1 when none came by then.
     */
    long first(final Kind kind, final String mac, final long afterNs, final long deadlineNs) {
        synchronized (events) {
            int from = 0;
            while (true) {
                for (int i = from; i < events.size(); i++) {
                    final Event e = events.get(i);
                    if (e.ns() > afterNs && e.kind() == kind && e.mac().equals(mac)) {
                        return e.ns();
                    }
                }
                from = events.size();
                final long left = deadlineNs - System.nanoTime();
                if (left <= 0) {
                    return -1;
                }
                if (failure != null) {
                    throw new IllegalStateException(failure);
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(events, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted", e);
                }
            }
        }
    }

    /** The time of the last event of {@code kind} from {@code mac} in (fromNs, toNs], or -1. */
    long last(final Kind kind, final String mac, final long fromNs, final long toNs) {
        synchronized (events) {
            for (int i = events.size() - 1; i >= 0; i--) {
                final Event e = events.get(i);
                if (e.ns() > fromNs && e.ns() <= toNs && e.kind() == kind && e.mac().equals(mac)) {
                    return e.ns();
                }
            }
            return -1;
        }
    }

    /** How many events of {@code kind} from {@code mac} came in (fromNs, toNs]. */
    int count(final Kind kind, final String mac, final long fromNs, final long toNs) {
        synchronized (events) {
            int n = 0;
            for (final Event e : events) {
                if (e.ns() > fromNs && e.ns() <= toNs && e.kind() == kind && e.mac().equals(mac)) {
                    n++;
                }
            }
            return n;
        }
    }

    /** Throws when the probe is gone (it reports every millisecond while the virtual IP answers). */
    void check() {
        if (failure != null || !process.isAlive()) {
            throw new IllegalStateException(failure != null ? failure : "client probe exited");
        }
    }

    @Override
    public void close() {
        try {
            process.getOutputStream().close();
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
            reader.join(5_000);
        } catch (IOException ignored) {
            process.destroyForcibly();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
