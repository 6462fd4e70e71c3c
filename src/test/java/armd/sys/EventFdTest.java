package armd.sys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.junit.jupiter.api.Test;

class EventFdTest {
    @Test
    void aSignalIsSeenOnceByDrainAndWakesPoll() {
        try (EventFd e = new EventFd("test")) {
            final Poller poller = new Poller(e.fd());
            assertEquals(0, poller.poll(0));
            assertFalse(e.drain());
            e.signal();
            e.signal();
            assertEquals(1, poller.poll(0));
            assertTrue(e.drain());
            assertFalse(e.drain(), "one drain clears every signal before it");
            assertEquals(0, poller.poll(0));
        }
    }

    @Test
    void signalsFromAnotherThreadWakeABlockedPoll() throws Exception {
        try (EventFd e = new EventFd("test")) {
            final Poller poller = new Poller(e.fd());
            final Thread t = Thread.ofPlatform().start(e::signal);
            // no limit: only the signal can end this poll
            assertEquals(1, poller.poll(-1));
            t.join();
            assertTrue(e.drain());
        }
    }

    @Test
    void theDescriptorIsNonBlockingAndCloseOnExec() {
        try (EventFd e = new EventFd("test")) {
            final int fdFlags = 1; // F_GETFD
            final int statusFlags = 3; // F_GETFL
            assertEquals(1 /* FD_CLOEXEC */, Libc.fcntl(e.fd(), fdFlags, 0) & 1);
            assertEquals(EventFd.EFD_NONBLOCK, Libc.fcntl(e.fd(), statusFlags, 0) & EventFd.EFD_NONBLOCK);
            try (Arena a = Arena.ofConfined()) {
                final MemorySegment buf = a.allocate(ValueLayout.JAVA_LONG);
                assertEquals(-Errno.EAGAIN, Libc.read(e.fd(), buf, 8), "an empty counter does not block a read");
            }
        }
    }
}
