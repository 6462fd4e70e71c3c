package armd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Debian package that scripts/package builds (scripts/test builds it before maven): unpacked anywhere it runs
 * (the launcher and armrsp find the runtime relative to themselves), its agent serves the native armstat, and
 * dpkg installs, upgrades (the running agents stopped before the new files, started after), removes (the
 * configuration kept) and purges it in a throwaway root with a dpkg database of its own; the launcher starts the JVM
 * with the AOT cache of the package's training run, and quietly without it when the cache is refused or stale.
 */
class PackageIT {
    private static final int T = 90;
    private Path tmp;

    @BeforeEach
    void makeTemp() throws IOException {
        tmp = Files.createTempDirectory("armd-pkg-");
    }

    @AfterEach
    void removeTemp() throws IOException {
        try (Stream<Path> walk = Files.walk(tmp)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    /** The package of this build; missing fails under CI and skips loudly elsewhere. */
    static Path deb() throws IOException {
        final List<Path> debs;
        try (Stream<Path> s = Files.list(Path.of("target"))) {
            debs = s.filter(p -> p.getFileName().toString().matches("armd_.*_amd64\\.deb"))
                .sorted(Comparator.comparing(p -> p.toFile().lastModified())).toList();
        }
        if (debs.isEmpty()) {
            final String why = "no target/armd_*_amd64.deb: run scripts/package (scripts/test does)";
            if ("true".equals(System.getenv("CI"))) {
                throw new AssertionError(why);
            }
            System.err.println("*** SKIPPED: " + why + " ***");
            Assumptions.abort(why);
        }
        return debs.getLast().toAbsolutePath();
    }

    private record Run(int exit, String out) {
    }

    /** Runs {@code cmd} from {@code dir} with {@code env} added, output and error merged, bounded. */
    private static Run run(final Path dir, final Map<String, String> env, final String... cmd) throws Exception {
        final ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().putAll(env);
        final Process p = pb.start();
        p.getOutputStream().close();
        final byte[][] out = new byte[1][];
        final Thread reader = Thread.ofVirtual().start(() -> {
            try {
                out[0] = p.getInputStream().readAllBytes();
            } catch (IOException e) {
                out[0] = new byte[0];
            }
        });
        if (!p.waitFor(3, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", cmd) + " did not finish within 3 minutes");
        }
        reader.join();
        return new Run(p.exitValue(), new String(out[0], StandardCharsets.UTF_8));
    }

    private static Run run(final String... cmd) throws Exception {
        return run(Path.of("/"), Map.of(), cmd);
    }

    private Path unpack() throws Exception {
        final Path root = tmp.resolve("unpacked");
        final Run x = run("dpkg", "-x", deb().toString(), root.toString());
        assertEquals(0, x.exit(), x.out());
        return root;
    }

    @Test
    void theUnpackedPackageRunsFromAnyDirectory() throws Exception {
        Netns.assumeRoot();
        final Path root = unpack();
        final String armd = root.resolve("usr/sbin/armd").toString();
        final Run version = run(armd, "version");
        assertEquals(0, version.exit(), version.out());
        assertTrue(version.out().startsWith("armd "), version.out());
        // only the modules armd uses: no desktop, no compiler
        final Run modules = run(root.resolve("usr/lib/armd/runtime/bin/java").toString(), "--list-modules");
        assertTrue(modules.out().contains("java.base@") && modules.out().contains("jdk.httpserver@")
            && modules.out().contains("jdk.unsupported@"), modules.out());
        assertFalse(modules.out().contains("java.desktop") || modules.out().contains("jdk.compiler"), modules.out());
        // the annotated example checks once it has its key
        final Path conf = root.resolve("etc/armd/armd.conf");
        final Run noKey = run(armd, "check", "--config", conf.toString());
        assertEquals(2, noKey.exit(), noKey.out());
        assertTrue(noKey.out().contains("armd.key"), noKey.out());
        assertEquals(0, run(armd, "keygen", root.resolve("etc/armd/armd.key").toString()).exit());
        final Run check = run(armd, "check", "--config", conf.toString());
        assertEquals(0, check.exit(), check.out());
        // armrsp finds the launcher beside the native binary, wherever that is
        final Run rsp = run(root.resolve("usr/sbin/armrsp").toString(), "--help");
        assertEquals(0, rsp.exit(), rsp.out());
        assertTrue(rsp.out().contains("usage: armd rsp"), rsp.out());
        for (final String page : List.of("usr/share/man/man8/armd.8.gz", "usr/share/man/man5/armd.conf.5.gz",
            "usr/share/man/man8/armstat.8.gz", "usr/share/bash-completion/completions/armstat",
            "lib/systemd/system/armd@.service")) {
            assertTrue(Files.exists(root.resolve(page)), page);
        }
    }

    @Test
    void theNativeArmstatAnswersFromAnAgentOfTheUnpackedPackage() throws Exception {
        Netns.assumeRoot();
        final Path root = unpack();
        try (AgentCluster c = new AgentCluster("pk", 2, false)) {
            c.launcher(root.resolve("usr/sbin/armd"));
            c.startAll();
            c.await(() -> c.onlineOn(1, "A").equals("server1"), T, "A online on server1");
            final Run stat = run(Path.of("/"), Map.of("ARMD_SOCKET", c.socket(0).toString()),
                root.resolve("usr/sbin/armstat").toString());
            assertEquals(0, stat.exit(), stat.out());
            assertTrue(stat.out().matches("(?s).*server1 .*server2 .*A +online +on server1.*"), stat.out());
            // the agent's scripts get the package's commands first in PATH (armd.bin is the launcher's directory)
            assertTrue(Files.readString(c.log(0)).contains("armd agent of server server1"), c.diagnostics());
        }
    }

    @Test
    void theLauncherUsesTheAotCacheAndStartsQuietlyWithoutAValidOne() throws Exception {
        Netns.assumeRoot();
        final Path root = unpack();
        final String armd = root.resolve("usr/sbin/armd").toString();
        final Path cache = root.resolve("usr/lib/armd/lib/armd.aot");
        final Path jar = root.resolve("usr/lib/armd/lib/armd.jar");
        assertTrue(Files.size(cache) > 0, "the package has the AOT cache of its training run");
        // the launcher passes it (its command line, traced by sh -x) ...
        assertTrue(run("sh", "-x", armd, "version").out().contains(" -XX:AOTCache=" + cache + " "), "cache passed");
        // ... and it maps: AOTMode=on refuses to start without the cache (it fits the runtime, jar and options)
        final Run on = run(Path.of("/"), Map.of("ARMD_JAVA_OPTS", "-XX:AOTMode=on -XX:AOTCache=" + cache), armd,
            "version");
        assertEquals(0, on.exit(), on.out());
        assertTrue(on.out().matches("armd \\S+\n"), on.out());
        // a cache the JVM refuses (cut short) or one older than the jar: the same start, not a word more
        final byte[] good = Files.readAllBytes(cache);
        Files.write(cache, Arrays.copyOf(good, 65536));
        final Run cut = run(armd, "version");
        assertEquals(0, cut.exit(), cut.out());
        assertTrue(cut.out().matches("armd \\S+\n"), cut.out());
        Files.write(cache, good);
        assertTrue(jar.toFile().setLastModified(cache.toFile().lastModified() + 10_000));
        final Run older = run(armd, "version");
        assertEquals(0, older.exit(), older.out());
        assertTrue(older.out().matches("armd \\S+\n"), older.out());
        assertFalse(run("sh", "-x", armd, "version").out().contains("AOTCache"), "no cache older than the jar");
        // agents with the refused cache serve, and their logs have no line of the JVM's
        Files.write(cache, Arrays.copyOf(good, 65536));
        assertTrue(cache.toFile().setLastModified(jar.toFile().lastModified() + 10_000));
        try (AgentCluster c = new AgentCluster("pa", 2, false)) {
            c.launcher(root.resolve("usr/sbin/armd"));
            c.startAll();
            c.await(() -> c.onlineOn(1, "A").equals("server1"), T, "A online on server1");
            for (int i = 0; i < 2; i++) {
                final String log = Files.readString(c.log(i));
                assertFalse(log.contains("[error]") || log.contains("[warning]") || log.contains("AOT"), log);
            }
        }
    }

    @Test
    void dpkgInstallsUpgradesRemovesAndPurgesInAThrowawayRoot() throws Exception {
        Netns.assumeRoot();
        final Path busybox = Path.of("/bin/busybox");
        if (!Files.isExecutable(busybox)) {
            throw new AssertionError("/bin/busybox missing: apt-get install busybox-static (scripts/setup does)");
        }
        final Path r = tmp.resolve("root");
        for (final String d : List.of("var/lib/dpkg/info", "var/lib/dpkg/updates", "var/lib/dpkg/triggers", "bin",
            "usr/bin", "run/systemd/system", "dev", "tmp")) {
            Files.createDirectories(r.resolve(d));
        }
        Files.writeString(r.resolve("var/lib/dpkg/status"), "");
        Files.writeString(r.resolve("var/lib/dpkg/available"), "");
        // the maintainer scripts run chrooted: a shell, and a systemctl that records its calls and has one agent
        Files.copy(busybox, r.resolve("bin/busybox"));
        for (final String c : List.of("sh", "mkdir", "chmod", "rm", "cat", "awk", "echo")) {
            Files.createSymbolicLink(r.resolve("bin/" + c), Path.of("busybox"));
        }
        assertEquals(0, run("mknod", "-m", "666", r.resolve("dev/null").toString(), "c", "1", "3").exit());
        final Path systemctl = r.resolve("usr/bin/systemctl");
        Files.writeString(systemctl, """
            #!/bin/sh
            echo "$*" >> /systemctl.log
            [ "$1" = list-units ] && echo "armd@server1.service loaded active running armd cluster agent"
            exit 0
            """);
        Files.setPosixFilePermissions(systemctl, PosixFilePermissions.fromString("rwxr-xr-x"));
        final Path log = r.resolve("systemctl.log");

        final Run install = dpkg(r, "-i", deb().toString());
        assertEquals(0, install.exit(), install.out());
        assertTrue(Files.isSymbolicLink(r.resolve("usr/sbin/armd")));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(
            r.resolve("var/lib/armd"))));
        assertFalse(Files.exists(log) && Files.readString(log).contains("start"), "a first install starts nothing");

        // the operator edits the configuration; then version +1 of the same package
        Files.writeString(r.resolve("etc/armd/armd.conf"), "# edited by the operator\n",
            java.nio.file.StandardOpenOption.APPEND);
        final Path v2 = repackaged(deb(), "+test1");
        Files.deleteIfExists(log);
        final Run upgrade = dpkg(r, "-i", v2.toString());
        assertEquals(0, upgrade.exit(), upgrade.out());
        final List<String> calls = Files.readAllLines(log);
        final int stop = calls.indexOf("stop armd@server1.service");
        final int start = calls.indexOf("start armd@server1.service");
        assertTrue(stop >= 0 && start > stop, "the old agent stops before the new one starts: " + calls);
        assertTrue(upgrade.out().indexOf("Unpacking") > upgrade.out().indexOf("stopping armd@server1"),
            "stopped before the new files are unpacked:\n" + upgrade.out());
        assertTrue(Files.readString(r.resolve("etc/armd/armd.conf")).endsWith("# edited by the operator\n"));
        assertFalse(Files.exists(r.resolve("var/lib/armd/.restart-after-upgrade")));

        final Run remove = dpkg(r, "-r", "armd");
        assertEquals(0, remove.exit(), remove.out());
        assertFalse(Files.exists(r.resolve("usr/lib/armd")), "the program is gone");
        assertTrue(Files.readString(r.resolve("etc/armd/armd.conf")).endsWith("# edited by the operator\n"),
            "remove keeps the configuration");
        assertTrue(Files.isDirectory(r.resolve("var/lib/armd")), "remove keeps the state");

        final Run purge = dpkg(r, "-P", "armd");
        assertEquals(0, purge.exit(), purge.out());
        assertFalse(Files.exists(r.resolve("etc/armd/armd.conf")), "purge removes the configuration");
        assertFalse(Files.exists(r.resolve("var/lib/armd")), "purge removes the state");
    }

    /** dpkg on the throwaway root; its dependencies (libc6, ...) are not in that root's database. */
    private static Run dpkg(final Path root, final String... args) throws Exception {
        final List<String> cmd = new ArrayList<>(List.of("dpkg", "--root=" + root, "--force-depends",
            "--force-confold"));
        cmd.addAll(List.of(args));
        return run(cmd.toArray(new String[0]));
    }

    /** {@code deb} with {@code suffix} added to its version, as a newer release would be. */
    private Path repackaged(final Path deb, final String suffix) throws Exception {
        final Path dir = tmp.resolve("repack");
        assertEquals(0, run("dpkg-deb", "-R", deb.toString(), dir.toString()).exit());
        final Path control = dir.resolve("DEBIAN/control");
        Files.writeString(control, Files.readString(control).replaceFirst("(?m)^Version: (.*)$", "Version: $1"
            + suffix));
        final Path out = tmp.resolve("armd-next.deb");
        final Run b = run("dpkg-deb", "--root-owner-group", "-Zgzip", "-z1", "--build", dir.toString(),
            out.toString());
        assertEquals(0, b.exit(), b.out());
        return out;
    }
}
