package armd.base;

import java.io.PrintStream;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** The agent's log: one line per event, UTC timestamp in microseconds, server name; thread-safe. */
public final class AgentLog {
    private static final DateTimeFormatter TS =
        DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(ZoneOffset.UTC);

    private final String server;
    private final PrintStream out;

    /** Lines go to {@code out}, prefixed with {@code server}. */
    public AgentLog(final String server, final PrintStream out) {
        this.server = server;
        this.out = out;
    }

    /** Writes one line. */
    public void line(final String text) {
        final String l = TS.format(Instant.now()) + " " + server + " " + text;
        synchronized (out) {
            out.println(l);
            out.flush();
        }
    }
}
