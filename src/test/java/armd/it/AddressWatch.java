package armd.it;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Test evidence from the kernel, not from the agents: an {@code ip monitor address} in each namespace, recording
 * every address added and deleted with its time, so a test can say who held an address when (and what the
 * agents said is checked against it). {@link #close()} ends the monitors it started (by PID).
 */
public final class AddressWatch implements AutoCloseable {
    private static final Pattern EVENT = Pattern.compile(
        "^\\[([^]]+)] (Deleted )?\\d+: (\\S+)\\s+inet6? (\\S+) ");

    /** One rtnetlink address event. */
    public record Event(String time, String where, boolean added, String cidr) {
        @Override
        public String toString() {
            return time + " " + where + (added ? " + " : " - ") + cidr;
        }
    }

    private final Map<String, Process> monitors = new LinkedHashMap<>();
    private final List<Event> events = new ArrayList<>();
    private final List<Thread> readers = new ArrayList<>();

    /** Watches {@code names} (label -> namespace); events are kept under the label. */
    public AddressWatch(final Map<String, String> names) throws IOException {
        try {
            for (final Map.Entry<String, String> e : names.entrySet()) {
                final Process p = new ProcessBuilder("ip", "netns", "exec", e.getValue(), "ip", "-o", "-ts", "monitor",
                    "address").redirectErrorStream(true).start();
                monitors.put(e.getKey(), p);
                final Thread t = Thread.ofPlatform().daemon().name("addr-watch-" + e.getKey()).start(() ->
                    read(e.getKey(), p));
                readers.add(t);
            }
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    private void read(final String label, final Process p) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                final Matcher m = EVENT.matcher(line);
                if (m.find()) {
                    synchronized (events) {
                        events.add(new Event(m.group(1), label, m.group(2) == null, m.group(4)));
                    }
                }
            }
        } catch (IOException ignored) {
            // the monitor ended
        }
    }

    /** Every event so far, in arrival order. */
    public List<Event> events() {
        synchronized (events) {
            return List.copyOf(events);
        }
    }

    /** Events about {@code cidr} so far. */
    public List<Event> events(final String cidr) {
        return events().stream().filter(e -> e.cidr().equals(cidr)).toList();
    }

    /** Where {@code cidr} is held now, according to the events (labels, sorted). */
    public List<String> holders(final String cidr) {
        final TreeSet<String> h = new TreeSet<>();
        for (final Event e : events(cidr)) {
            if (e.added()) {
                h.add(e.where());
            } else {
                h.remove(e.where());
            }
        }
        return List.copyOf(h);
    }

    /** Whether {@code where} has ever added {@code cidr}. */
    public boolean everHeld(final String where, final String cidr) {
        return events(cidr).stream().anyMatch(e -> e.added() && e.where().equals(where));
    }

    @Override
    public void close() {
        for (final Process p : monitors.values()) {
            p.destroy();
            try {
                if (!p.waitFor(5, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
