package armd.sys.proc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import armd.sys.Errno;
import armd.sys.Poller;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

class PidfdTest {
    @Test
    void aSignalThroughThePidfdEndsTheProcessAndThePidfdBecomesReadable() throws Exception {
        final Process p = new ProcessBuilder("sleep", "60").start();
        final int fd = Pidfd.open((int) p.pid());
        try {
            assertTrue(fd >= 0, "pidfd_open: " + fd);
            final Poller poller = new Poller(fd);
            assertEquals(0, poller.poll(0), "readable only once the process exits");
            assertEquals(0, Pidfd.sendSignal(fd, Pidfd.SIGKILL));
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the process ended");
            assertEquals(1, poller.poll(30_000));
            assertEquals(-Errno.ESRCH, Pidfd.sendSignal(fd, Pidfd.SIGTERM), "the process has exited");
        } finally {
            p.destroyForcibly();
            Pidfd.close(fd);
        }
    }

    @Test
    void noSuchProcessIsEsrchAndABadDescriptorEbadf() {
        // pid_max is at most 2^22: this pid does not exist
        assertEquals(-Errno.ESRCH, Pidfd.open(Integer.MAX_VALUE - 1));
        assertEquals(-Errno.EBADF, Pidfd.sendSignal(-1, Pidfd.SIGTERM));
    }
}
