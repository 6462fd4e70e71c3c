package armd.cli;

import armd.base.Exit;
import armd.base.OperatorException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import armd.config.ClusterKey;
import armd.config.ConfigParser;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckAndKeygenCommandTest {
    @TempDir
    Path dir;

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);

    private String output() {
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void keygenWritesA0600KeyOnceAndReplacesItOnlyWithForce() throws Exception {
        final Path key = dir.resolve("armd.key");
        assertEquals(Exit.OK, new KeygenCommand(out).run(new String[] {key.toString()}));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));
        final byte[] first = ClusterKey.load(key);
        assertEquals(32, first.length);
        final OperatorException e = assertThrows(OperatorException.class,
            () -> new KeygenCommand(out).run(new String[] {key.toString()}));
        assertEquals(Exit.FAULT, e.exitCode());
        assertEquals(key + " already exists: keep it, or give --force to replace it (then copy the new key to every "
            + "server)", e.getMessage());
        assertEquals(Exit.OK, new KeygenCommand(out).run(new String[] {"--force", key.toString()}));
        assertNotEquals(java.util.HexFormat.of().formatHex(first),
            java.util.HexFormat.of().formatHex(ClusterKey.load(key)));
        assertTrue(output().startsWith("wrote a new cluster key to " + key), output());
    }

    @Test
    void keygenIntoAMissingDirectoryIsASystemError() {
        final OperatorException e = assertThrows(OperatorException.class,
            () -> new KeygenCommand(out).run(new String[] {dir.resolve("no/armd.key").toString()}));
        assertEquals(Exit.SYSTEM, e.exitCode());
        assertEquals(Exit.USAGE, assertThrows(OperatorException.class,
            () -> new KeygenCommand(out).run(new String[] {})).exitCode());
    }

    @Test
    void theKeyLoaderRefusesALooseFileInOneLine() throws Exception {
        final Path key = dir.resolve("k");
        new KeygenCommand(out).run(new String[] {key.toString()});
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-r--r--"));
        final OperatorException e = assertThrows(OperatorException.class, () -> ClusterKey.load(key));
        assertEquals("key file " + key + " is open to group or others (mode 0644): chmod 600 " + key, e.getMessage());
        assertEquals(Exit.USAGE, e.exitCode());
    }

    private Path config(final String keyLine) throws Exception {
        final Path key = dir.resolve("armd.key");
        if (!Files.exists(key)) {
            new KeygenCommand(new PrintStream(new ByteArrayOutputStream())).run(new String[] {key.toString()});
        }
        final Path conf = dir.resolve("armd.conf");
        Files.writeString(conf, "[cluster]\nname = t\n" + keyLine + "\n[server a]\naddress = 192.0.2.1\n"
            + "[group g]\npolicy = a, b\nstart = s.sh\nstop = s.sh\n");
        final Path s = dir.resolve("s.sh");
        Files.writeString(s, "#!/bin/sh\n");
        Files.setPosixFilePermissions(s, PosixFilePermissions.fromString("rwxr-xr-x"));
        return conf;
    }

    @Test
    void checkPrintsEveryProblemOneALineAndExitsTwo() throws Exception {
        final Path conf = config("key-file = missing.key");
        final int rc = new CheckCommand(out, new ConfigParser(false)).run(new String[] {"--config", conf.toString()});
        assertEquals(Exit.USAGE, rc);
        assertEquals(conf + ":3: key file " + dir.resolve("missing.key") + " does not exist: create it with 'armd "
            + "keygen " + dir.resolve("missing.key") + "' and copy it to every server\n"
            + conf + ":7: unknown server 'b' in the policy of group g: known servers are a\n", output());
    }

    @Test
    void checkSaysValidAndExitsZero() throws Exception {
        final Path conf = config("key-file = armd.key");
        Files.writeString(conf, Files.readString(conf).replace("a, b", "a"));
        assertEquals(Exit.OK, new CheckCommand(out, new ConfigParser(false)).run(new String[] {"--config",
            conf.toString()}));
        assertEquals(conf + ": valid: cluster t, 1 server(s), 1 group(s)\n", output());
    }

    @Test
    void checkJsonIsOneObject() throws Exception {
        final Path conf = config("key-file = armd.key");
        assertEquals(Exit.USAGE, new CheckCommand(out, new ConfigParser(false)).run(new String[] {"--config",
            conf.toString(), "--json"}));
        assertEquals("{\"file\":\"" + conf + "\",\"valid\":false,\"problems\":[{\"file\":\"" + conf
            + "\",\"line\":7,\"message\":\"unknown server 'b' in the policy of group g: known servers are a\"}]}\n",
            output());
    }

    @Test
    void aMissingConfigurationIsOneLine() {
        final int rc = new CheckCommand(out, new ConfigParser(false)).run(new String[] {"--config",
            dir.resolve("none").toString()});
        assertEquals(Exit.USAGE, rc);
        assertEquals(dir.resolve("none") + ": no such file: give the path of the cluster's configuration (see "
            + "conf/armd.conf.example)\n", output());
    }

    @Test
    void aNulByteInAPathIsOneLineAndExitTwo() throws Exception {
        final Path conf = dir.resolve("armd.conf");
        Files.writeString(conf, "[cluster]\nname = c\nkey-file = armd.key\0\n");
        assertEquals(Exit.USAGE, new CheckCommand(out, new ConfigParser(false))
            .run(new String[] {"--config", conf.toString()}));
        final java.util.List<String> lines = output().lines().toList();
        assertTrue(lines.contains(conf + ":3: control character U+0000 in this line: a configuration file is text, "
            + "remove it"), output());
        assertTrue(lines.stream().allMatch(l -> l.startsWith(conf + ":")), output());
    }
}
