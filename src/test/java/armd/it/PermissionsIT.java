package armd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

/**
 * What a real agent makes is private: the state directory (and the parent it makes for it) 0700, the state
 * file 0600, the control socket 0600. (That an existing socket directory keeps its mode, even a shared sticky
 * one, is checked on real directories by ControlServerTest.)
 */
class PermissionsIT {
    @Test
    void theAgentsStateDirectoriesFilesAndSocketArePrivate() throws Exception {
        Tmpfs.requireRoot("PermissionsIT");
        try (AgentCluster c = new AgentCluster("prm", 2, false)) {
            c.startAll();
            c.awaitRecords(3, 60);
            final Path state = c.dir().resolve("state");
            assertEquals("700", mode(state));
            assertEquals("700", mode(state.resolve("server1")));
            assertEquals("600", mode(state.resolve("server1").resolve("state")));
            assertEquals("600", mode(c.socket(0)));
        }
    }

    private static String mode(final Path p) throws IOException {
        return Integer.toOctalString((Integer) Files.getAttribute(p, "unix:mode") & 07777);
    }
}
