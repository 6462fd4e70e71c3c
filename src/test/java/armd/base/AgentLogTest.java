package armd.base;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The log's one format, its escaping, journal priorities and the counting of repeated errors. */
class AgentLogTest {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    private final AtomicLong now = new AtomicLong(1_000_000_000L);

    private List<String> lines() {
        return Arrays.asList(bytes.toString(StandardCharsets.UTF_8).split("\n", -1)).stream()
            .filter(l -> !l.isEmpty()).toList();
    }

    private AgentLog log(final AgentLog.Format format, final AgentLog.Level threshold) {
        return new AgentLog("server1", out, format, threshold, now::get);
    }

    @Test
    void aTimestampedLineHasTheTimeTheServerAndTheLevel() {
        final AgentLog log = log(AgentLog.Format.TIMESTAMPED, AgentLog.Level.INFO);
        log.line("group A is online");
        log.warning("slow");
        log.debug("not written");
        final List<String> l = lines();
        assertEquals(2, l.size(), l.toString());
        assertTrue(l.get(0).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}Z "
            + "server1 info: group A is online"), l.get(0));
        assertTrue(l.get(1).endsWith(" server1 warning: slow"), l.get(1));
    }

    @Test
    void aJournalLineHasThePriorityAndNoTimestamp() {
        final AgentLog log = log(AgentLog.Format.JOURNAL, AgentLog.Level.DEBUG);
        log.error("e");
        log.warning("w");
        log.info("i");
        log.debug("d");
        assertEquals(List.of("<3>server1 error: e", "<4>server1 warning: w", "<6>server1 info: i",
            "<7>server1 debug: d"), lines());
    }

    @Test
    void noTextFromOutsideCanStartALineOrRepaintTheTerminal() {
        final AgentLog log = log(AgentLog.Format.JOURNAL, AgentLog.Level.INFO);
        log.info("armlog: one\nserver1 error: forged\r\u001b[2J\u001b]0;title\u0007 \\ tab\t del\u007f c1\u0085"
            + " rtl\u202e ok é 日本 \ud83d\ude00 lone\ud800 end");
        final List<String> l = lines();
        assertEquals(1, l.size(), l.toString());
        assertEquals("<6>server1 info: armlog: one\\nserver1 error: forged\\r\\x1b[2J\\x1b]0;title\\x07 \\\\ tab\\t"
            + " del\\x7f c1\\x85 rtl\\u202e ok é 日本 \ud83d\ude00 lone\\ud800 end", l.get(0));
    }

    @Test
    void bytesThatAreNotUtf8AreKeptAndWrittenAsHex() {
        final byte[] b = {'o', 'k', ' ', (byte) 0xc3, (byte) 0xa9, ' ', (byte) 0xff, ' ', (byte) 0xc3, ' ',
            (byte) 0xe2, (byte) 0x82, ' ', (byte) 0xed, (byte) 0xa0, (byte) 0x80, ' ', (byte) 0xc0, (byte) 0xaf,
            ' ', (byte) 0xf0, (byte) 0x9f, (byte) 0x98, (byte) 0x80};
        final String text = AgentLog.decode(b, 0, b.length);
        assertEquals("ok é \\xff \\xc3 \\xe2\\x82 \\xed\\xa0\\x80 \\xc0\\xaf \ud83d\ude00", AgentLog.escape(text));
    }

    @Test
    void escapeLeavesPlainTextAlone() {
        final String s = "group A start: ARMS_EVENT=START é";
        assertTrue(s == AgentLog.escape(s), "no copy of a line with nothing to escape");
    }

    @Test
    void aRepeatedErrorIsWrittenOnceThenCountedOnceAMinute() {
        final AgentLog log = log(AgentLog.Format.JOURNAL, AgentLog.Level.INFO);
        for (int i = 0; i < 5; i++) {
            log.error("cannot save state");
        }
        log.info("other");
        log.info("other");
        assertEquals(List.of("<3>server1 error: cannot save state", "<6>server1 info: other",
            "<6>server1 info: other"), lines());
        now.addAndGet(AgentLog.REPEAT_WINDOW_NS);
        log.error("cannot save state");
        assertEquals("<3>server1 error: cannot save state (repeated 4 times)", lines().get(3));
        assertEquals(4, lines().size(), "the one after the window is counted in the next window");
        now.addAndGet(AgentLog.REPEAT_WINDOW_NS);
        log.info("later");
        assertEquals(List.of("<3>server1 error: cannot save state (repeated 1 time)", "<6>server1 info: later"),
            lines().subList(4, 6));
        now.addAndGet(AgentLog.REPEAT_WINDOW_NS);
        log.error("cannot save state");
        assertEquals("<3>server1 error: cannot save state", lines().get(6), "quiet for a window: written again");
    }

    @Test
    void flushWritesThePendingCounts() {
        final AgentLog log = log(AgentLog.Format.JOURNAL, AgentLog.Level.INFO);
        log.warning("w");
        log.warning("w");
        log.warning("w");
        log.flush();
        assertEquals(List.of("<4>server1 warning: w", "<4>server1 warning: w (repeated 2 times)"), lines());
    }

    @Test
    void journalStreamMustNameTheFileOfFd2(@TempDir final Path dir) throws Exception {
        final Path f = Files.createFile(dir.resolve("stream"));
        final long dev = ((Number) Files.getAttribute(f, "unix:dev")).longValue();
        final long ino = ((Number) Files.getAttribute(f, "unix:ino")).longValue();
        assertTrue(AgentLog.stderrIsJournal(dev + ":" + ino, f));
        assertFalse(AgentLog.stderrIsJournal(dev + ":" + (ino + 1), f));
        assertFalse(AgentLog.stderrIsJournal(null, f));
        assertFalse(AgentLog.stderrIsJournal("garbage", f));
        assertFalse(AgentLog.stderrIsJournal("1:x", f));
    }

    @Test
    void systemLoggersWriteTheSameFormat() {
        SystemLoggers.install(log(AgentLog.Format.JOURNAL, AgentLog.Level.INFO));
        try {
            final System.Logger l = System.getLogger("armd.control");
            l.log(System.Logger.Level.WARNING, "malformed control request: bad\nmagic");
            l.log(System.Logger.Level.DEBUG, "not written");
            l.log(System.Logger.Level.ERROR, "handler failed", new IllegalStateException("boom"));
        } finally {
            SystemLoggers.install(new AgentLog("armd", System.err, AgentLog.Format.TIMESTAMPED,
                AgentLog.Level.WARNING, System::nanoTime));
        }
        final List<String> l = lines();
        assertEquals(2, l.size(), l.toString());
        assertEquals("<4>server1 warning: armd.control: malformed control request: bad\\nmagic", l.get(0));
        assertTrue(l.get(1).startsWith("<3>server1 error: armd.control: handler failed: "
            + "java.lang.IllegalStateException: boom at armd.base.AgentLogTest"), l.get(1));
    }
}
