package armd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import armd.base.OperatorException;
import armd.config.ClusterKey;
import armd.config.SuperConfig;
import armd.config.SuperConfigParser;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code armd super designate-master}: the file rewritten whole, the old one kept, a new generation. */
class SuperCommandTest {
    private static final String FILE = """
        # the site
        [super]
        name = site
        key-file = super.key
        master = east   # the first master cluster
        [cluster east]
        servers = e1 192.0.2.11, e2 192.0.2.12
        [cluster west]
        servers = w1 192.0.2.21
        """;

    @TempDir
    Path dir;

    @Test
    void designatingANewMasterClusterRaisesTheGenerationAndKeepsTheOldFile() throws Exception {
        Files.writeString(dir.resolve("super.key"), ClusterKey.format(ClusterKey.generate()));
        Files.setPosixFilePermissions(dir.resolve("super.key"), PosixFilePermissions.fromString("rw-------"));
        final Path file = dir.resolve("super.conf");
        Files.writeString(file, FILE);
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertEquals(0, new SuperCommand(new PrintStream(out, true, StandardCharsets.UTF_8)).run(new String[] {
            "designate-master", "west", "--super", file.toString()}));
        final SuperConfig now = new SuperConfigParser(false).parse(file).config();
        assertEquals("west", now.master());
        assertEquals(1, now.generation());
        assertEquals("site/1", now.frameIdentity());
        assertTrue(Files.readString(file).contains("master = west   # the first master cluster\ngeneration = 1\n"),
            Files.readString(file));
        assertEquals(FILE, Files.readString(dir.resolve("super.conf.old")));
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("the master cluster is now west, generation 1"),
            out.toString(StandardCharsets.UTF_8));
        // again: the next generation, in place
        new SuperCommand(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8)).run(
            new String[] {"designate-master", "east", "--super", file.toString()});
        assertEquals(2, new SuperConfigParser(false).parse(file).config().generation());
        final OperatorException e = assertThrows(OperatorException.class, () -> new SuperCommand().run(
            new String[] {"designate-master", "north", "--super", file.toString()}));
        assertEquals("cluster north is not in " + file, e.getMessage());
    }
}
