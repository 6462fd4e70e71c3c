package armd.sys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LibcTest {
    @Test
    void closingABadDescriptorReturnsMinusEbadf() {
        assertEquals(-Errno.EBADF, Libc.close(-1));
    }

    @Test
    void aSocketOpensAndCloses() {
        final int fd = Libc.socket(2 /* AF_INET */, 2 /* SOCK_DGRAM */, 0);
        assertTrue(fd >= 0, "socket: " + fd);
        assertEquals(0, Libc.close(fd));
    }

    @Test
    void checkNamesTheCallTheTargetAndTheError() {
        final SysException e = assertThrows(SysException.class, () -> Errno.check(-Errno.ENOENT, "open", "/dev/sg9"));
        assertEquals("open(/dev/sg9) failed: No such file or directory", e.getMessage());
        assertEquals(Errno.ENOENT, e.errno());
    }
}
