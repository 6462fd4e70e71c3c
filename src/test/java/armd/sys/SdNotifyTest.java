package armd.sys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** sd_notify's datagrams reach a socket bound to a path or to an abstract name, as systemd binds them. */
class SdNotifyTest {
    @Test
    void aMessageReachesASocketAtAPath(@TempDir final Path dir) {
        try (NotifySocket manager = new NotifySocket(dir.resolve("notify").toString());
             SdNotify n = SdNotify.open(manager.name())) {
            assertEquals(0, n.send("READY=1\nSTATUS=serving"));
            final SdNotify.Message ping = n.message("WATCHDOG=1");
            assertEquals(0, n.send(ping));
            assertEquals(0, n.send(ping));
            assertEquals("READY=1\nSTATUS=serving", manager.receive(5_000));
            assertEquals("WATCHDOG=1", manager.receive(5_000));
            assertEquals("WATCHDOG=1", manager.receive(5_000));
        }
    }

    @Test
    void anAtSignNamesTheAbstractNamespace() {
        final String name = "@armd-test-notify-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        try (NotifySocket manager = new NotifySocket(name); SdNotify n = SdNotify.open(name)) {
            assertEquals(0, n.send("READY=1"));
            assertEquals("READY=1", manager.receive(5_000));
        }
    }

    @Test
    void nobodyListeningIsAnErrnoNotAnException(@TempDir final Path dir) {
        try (SdNotify n = SdNotify.open(dir.resolve("nobody").toString())) {
            assertEquals(-Errno.ENOENT, n.send("READY=1"));
        }
    }

    @Test
    void aRelativeNameIsRefused() {
        assertThrows(SysException.class, () -> SdNotify.open("relative/socket"));
        assertThrows(SysException.class, () -> SdNotify.open("/" + "x".repeat(200)));
    }
}
