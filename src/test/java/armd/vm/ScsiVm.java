package armd.vm;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * Host side of the SCSI test guest: boots it with {@code scripts/vm/qemu} (software emulation; a virtio-scsi
 * adapter with an emulated disk {@code hd0}, a CD drive {@code cd0} and a disk {@code hd1} whose reads all fail
 * with MEDIUM ERROR, by qemu's blkdebug), runs one shell command inside it, serves
 * the guest's fault-injection requests over QMP, and returns the guest's exit code and console output. The
 * whole run is bounded by a deadline, after which qemu is killed.
 *
 * <p>Fault injection: the guest writes one QMP command (a JSON object on one line) to its virtio-serial port
 * {@code armd.ctl}; this driver passes it to qemu's monitor and writes qemu's answer ({@code {"return": ...}}
 * or {@code {"error": ...}}, one line) back. Events are skipped. See {@link HostLink} for the guest side.
 */
public final class ScsiVm {
    /** The console line the guest's init prints last (scripts/vm/init.sh). */
    static final String EXIT_MARK = "ARMD-VM-EXIT ";
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration IMAGE_TIMEOUT = Duration.ofMinutes(10);
    private static final long DISK_BYTES = 64L << 20;
    private static final long CD_BYTES = 4L << 20;
    private static final long BAD_BYTES = 16L << 20;

    /** How the run ended. */
    public enum Status {
        /** The guest ran the command and reported its exit code. */
        EXITED,
        /** The deadline passed: qemu was killed. */
        DEADLINE,
        /** qemu ended without the guest's exit line (a crash, a panic, a failed boot). */
        NO_EXIT_LINE
    }

    /** The outcome of one guest run: how it ended, the command's exit code (-1 unless EXITED), the console. */
    public record Result(Status status, int exitCode, String output, long elapsedMs) {
        /** Whether the guest command ran and exited 0. */
        public boolean passed() {
            return status == Status.EXITED && exitCode == 0;
        }

        /** One line for a failure message, then the console. */
        public String report() {
            return "guest " + status + " exit " + exitCode + " after " + elapsedMs + " ms; console:\n" + output;
        }
    }

    private final Path projectDir;

    /** {@code projectDir} is the repository root (scripts/vm lives there; the guest sees the same paths). */
    public ScsiVm(final Path projectDir) {
        this.projectDir = projectDir.toAbsolutePath();
    }

    /**
     * Installs the guest's packages when missing (root only) and builds its kernel and initramfs (cached).
     * Returns null when ready, else the reason the guest cannot be booted on this machine (a package or the
     * kernel download is not to be had). Throws when the image build itself is broken: that is a bug to fix.
     */
    public String prepare() throws IOException {
        final Run setup = exec(List.of(projectDir.resolve("scripts/vm/setup").toString()), IMAGE_TIMEOUT);
        if (setup.exitCode != 0) {
            return "scripts/vm/setup failed: " + setup.output.strip();
        }
        final Run image = exec(List.of(projectDir.resolve("scripts/vm/image").toString()), IMAGE_TIMEOUT);
        if (image.exitCode == 3) {
            return "scripts/vm/image: " + image.output.strip();
        }
        if (image.exitCode != 0) {
            throw new IOException("scripts/vm/image exited " + image.exitCode + ": " + image.output.strip());
        }
        return null;
    }

    /**
     * For the VM tests: needs root, then {@link #prepare()}s the guest. Where either is not to be had, skips the
     * test loudly, except in CI (environment variable CI=true), where it fails with the same message: CI installs
     * qemu and runs as root, so a skip there would let the build pass without the SCSI cases.
     */
    public static ScsiVm preparedOrSkip(final Path projectDir) throws IOException {
        if (armd.sys.Libc.geteuid() != 0) {
            skipOrFail("the SCSI test guest needs root (CI runs as root)");
        }
        final ScsiVm vm = new ScsiVm(projectDir);
        final String why = vm.prepare();
        if (why != null) {
            skipOrFail("the SCSI test guest cannot be prepared here: " + why);
        }
        return vm;
    }

    static void skipOrFail(final String why) {
        if ("true".equals(System.getenv("CI"))) {
            Assertions.fail(why + " (CI=true: the VM tests must run in CI, so this fails instead of skipping)");
        }
        System.err.println("*** SKIPPED: " + why + " ***");
        Assumptions.abort(why);
    }

    /**
     * Boots the guest, runs {@code guestCommand} (a shell command line, run from the project folder with the
     * JDK of this JVM first on the PATH) inside it, and returns once the guest has powered off or
     * {@code deadline} has passed. Console lines are echoed to standard output as they come, prefixed "guest| ".
     */
    public Result run(final String guestCommand, final Duration deadline) throws IOException {
        final long startNs = System.nanoTime();
        final Path runDir = Files.createTempDirectory(Files.createDirectories(projectDir.resolve("target/vm")), "run.");
        // unix socket paths are limited to 108 bytes: keep them short, outside the project folder
        final Path sockDir = Files.createTempDirectory("armdvm");
        final Path qmpPath = sockDir.resolve("qmp");
        final Path ctlPath = sockDir.resolve("ctl");
        try (ServerSocketChannel qmpServer = listen(qmpPath); ServerSocketChannel ctlServer = listen(ctlPath)) {
            final Path disk = runDir.resolve("disk.raw");
            final Path cd = runDir.resolve("cd0.iso");
            final Path cd2 = runDir.resolve("cd1.iso");
            final Path bad = runDir.resolve("bad.raw");
            sparse(disk, DISK_BYTES);
            sparse(cd, CD_BYTES);
            sparse(cd2, CD_BYTES);
            sparse(bad, BAD_BYTES);
            final Path script = runDir.resolve("guest.sh");
            Files.writeString(script, guestScript(guestCommand, cd2));
            final long guestDeadlineS = Math.max(30, deadline.toSeconds() - 15);
            final List<String> cmd = List.of(projectDir.resolve("scripts/vm/qemu").toString(),
                "--disk", disk.toString(), "--cd", cd.toString(), "--bad", bad.toString(), "--qmp", qmpPath.toString(),
                "--ctl", ctlPath.toString(), "--deadline", Long.toString(guestDeadlineS), script.toString());
            final Process qemu = new ProcessBuilder(cmd).directory(projectDir.toFile()).redirectErrorStream(true)
                .start();
            qemu.getOutputStream().close();
            final StringBuffer console = new StringBuffer();
            final Thread reader = Thread.ofPlatform().daemon().name("vm-console").start(() ->
                pump(qemu.getInputStream(), console));
            Thread server = null;
            try {
                final SocketChannel qmp = accept(qmpServer, qemu, "QMP");
                final SocketChannel ctl = accept(ctlServer, qemu, "armd.ctl");
                final Qmp monitor = new Qmp(qmp);
                monitor.command("{\"execute\":\"qmp_capabilities\"}");
                server = Thread.ofPlatform().daemon().name("vm-ctl").start(() -> serve(ctl, monitor, console));
                final long leftNs = deadline.toNanos() - (System.nanoTime() - startNs);
                final boolean exited = qemu.waitFor(Math.max(leftNs, 1), TimeUnit.NANOSECONDS);
                if (!exited) {
                    qemu.destroyForcibly();
                    qemu.waitFor(10, TimeUnit.SECONDS);
                }
                reader.join(Duration.ofSeconds(10));
                final String out = console.toString();
                final long elapsedMs = (System.nanoTime() - startNs) / 1_000_000;
                if (!exited) {
                    return new Result(Status.DEADLINE, -1, out + "\n[host: deadline of " + deadline.toSeconds()
                        + " s passed, qemu killed]\n", elapsedMs);
                }
                final int code = exitCode(out);
                return code < 0 ? new Result(Status.NO_EXIT_LINE, -1, out + "\n[host: qemu exited "
                    + qemu.exitValue() + " without the guest's exit line]\n", elapsedMs)
                    : new Result(Status.EXITED, code, out, elapsedMs);
            } catch (IOException e) {
                qemu.destroyForcibly();
                qemu.waitFor(10, TimeUnit.SECONDS);
                reader.join(Duration.ofSeconds(10));
                throw new IOException(e.getMessage() + "; console:\n" + console, e);
            } finally {
                if (qemu.isAlive()) {
                    qemu.destroyForcibly();
                }
                if (server != null) {
                    server.interrupt();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while the guest ran", e);
        } finally {
            deleteTree(sockDir);
            deleteTree(runDir);
        }
    }

    /** The guest's exit code from its last exit line, or -1 when there is none. */
    static int exitCode(final String console) {
        final int at = console.lastIndexOf(EXIT_MARK);
        if (at < 0 || (at > 0 && console.charAt(at - 1) != '\n')) {
            return -1;
        }
        int end = at + EXIT_MARK.length();
        while (end < console.length() && Character.isDigit(console.charAt(end))) {
            end++;
        }
        return end == at + EXIT_MARK.length() ? -1 : Integer.parseInt(console.substring(at + EXIT_MARK.length(), end));
    }

    private String guestScript(final String guestCommand, final Path cd2) {
        final String javaHome = System.getProperty("java.home");
        return "# written by armd.vm.ScsiVm: runs inside the guest, chrooted into the host's root\n"
            + "export JAVA_HOME='" + javaHome + "'\n"
            + "export PATH=\"$JAVA_HOME/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\"\n"
            + "export HOME=/tmp LANG=C.UTF-8\n"
            + "export ARMD_VM_CD2='" + cd2 + "'\n"
            + "cd '" + projectDir + "' || exit 125\n"
            + guestCommand + "\n";
    }

    private void serve(final SocketChannel ctl, final Qmp monitor, final StringBuffer console) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(ctl),
                StandardCharsets.UTF_8)); OutputStream out = Channels.newOutputStream(ctl)) {
            String line;
            while ((line = in.readLine()) != null) {
                final String request = line.strip();
                if (request.isEmpty()) {
                    continue;
                }
                final String reply = monitor.command(request);
                console.append("[host: qmp ").append(request).append(" -> ").append(reply).append("]\n");
                out.write((reply + "\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
        } catch (IOException e) {
            // qemu went away: the run's outcome says why
        }
    }

    /** One QMP connection: a command, then the reply line, events skipped. */
    private static final class Qmp {
        private final BufferedReader in;
        private final OutputStream out;

        Qmp(final SocketChannel channel) throws IOException {
            this.in = new BufferedReader(new InputStreamReader(Channels.newInputStream(channel),
                StandardCharsets.UTF_8));
            this.out = Channels.newOutputStream(channel);
            final String greeting = in.readLine();
            if (greeting == null || !greeting.contains("\"QMP\"")) {
                throw new IOException("no QMP greeting from qemu: " + greeting);
            }
        }

        /** Sends {@code json} and returns qemu's reply (one line), skipping asynchronous events. */
        String command(final String json) throws IOException {
            out.write((json + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            while (true) {
                final String line = in.readLine();
                if (line == null) {
                    throw new IOException("QMP closed by qemu");
                }
                final String s = line.strip();
                if (s.startsWith("{\"return\"") || s.startsWith("{\"error\"")) {
                    return s;
                }
            }
        }
    }

    private static ServerSocketChannel listen(final Path path) throws IOException {
        final ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        s.bind(UnixDomainSocketAddress.of(path));
        return s;
    }

    /** Waits for qemu to connect, bounded, and fails early when qemu has already ended. */
    private static SocketChannel accept(final ServerSocketChannel server, final Process qemu, final String what)
            throws IOException {
        server.configureBlocking(false);
        try (Selector selector = Selector.open()) {
            server.register(selector, SelectionKey.OP_ACCEPT);
            final long endNs = System.nanoTime() + CONNECT_TIMEOUT.toNanos();
            while (System.nanoTime() - endNs < 0) {
                selector.select(200);
                final SocketChannel c = server.accept();
                if (c != null) {
                    c.configureBlocking(true);
                    return c;
                }
                if (!qemu.isAlive()) {
                    throw new IOException("qemu exited " + qemu.exitValue() + " before connecting its " + what);
                }
            }
        }
        throw new IOException("qemu did not connect its " + what + " within " + CONNECT_TIMEOUT.toSeconds() + " s");
    }

    private static void pump(final InputStream in, final StringBuffer console) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                final String l = line.replace("\r", "");
                console.append(l).append('\n');
                System.out.println("guest| " + l);
            }
        } catch (IOException e) {
            console.append("[host: console read failed: ").append(e.getMessage()).append("]\n");
        }
    }

    private static void sparse(final Path file, final long bytes) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(bytes);
        }
    }

    private record Run(int exitCode, String output) {
    }

    private Run exec(final List<String> cmd, final Duration timeout) throws IOException {
        final Process p = new ProcessBuilder(cmd).directory(projectDir.toFile()).redirectErrorStream(true).start();
        p.getOutputStream().close();
        final StringBuffer out = new StringBuffer();
        final Thread reader = Thread.ofPlatform().daemon().start(() -> {
            try {
                out.append(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                out.append(e.getMessage());
            }
        });
        try {
            if (!p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", cmd) + " did not finish within " + timeout.toSeconds() + " s");
            }
            reader.join(Duration.ofSeconds(10));
            return new Run(p.exitValue(), out.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new IOException("interrupted", e);
        }
    }

    private static void deleteTree(final Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> s = Files.walk(root)) {
            final List<Path> all = new ArrayList<>(s.sorted(Comparator.reverseOrder()).toList());
            for (final Path p : all) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + root, e);
        }
    }
}
