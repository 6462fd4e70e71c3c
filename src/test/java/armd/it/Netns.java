package armd.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Test fixture: network namespaces, veth pairs and bridges made with iproute2, removed by {@link #close()}
 * even when the test failed. Names carry a per-fixture prefix so parallel runs do not collide. Only
 * documentation addresses (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24) are meant to be used inside.
 *
 * <p>Needs root: {@link #assumeRoot()} skips a test loudly where it is missing, and fails it under CI=true.
 */
public final class Netns implements AutoCloseable {
    private final String prefix;
    private final List<String> namespaces = new ArrayList<>();
    private final List<String> links = new ArrayList<>();

    /** {@code tag} names the test; a short random suffix keeps concurrent fixtures apart. */
    public Netns(final String tag) {
        final String t = tag.length() > 4 ? tag.substring(0, 4) : tag;
        this.prefix = "at" + t + Integer.toHexString((int) (ProcessHandle.current().pid() & 0xfff))
            + Integer.toHexString((int) (System.nanoTime() & 0xff));
    }

    /**
     * Skips the calling test, loudly, when not root (the kernel tests need CAP_NET_ADMIN); fails it under CI=true
     * ({@link Need#root()}).
     */
    public static void assumeRoot() {
        Need.root();
    }

    /** The name prefix of everything this fixture makes (at most 11 characters). */
    public String prefix() {
        return prefix;
    }

    /** Adds a namespace {@code prefix + name} with loopback up; returns its full name. */
    public String namespace(final String name) throws IOException {
        final String ns = prefix + name;
        run("ip", "netns", "add", ns);
        namespaces.add(ns);
        run("ip", "-n", ns, "link", "set", "lo", "up");
        return ns;
    }

    /**
     * Joins two namespaces with a veth pair; the ends are named {@code ifA} in {@code nsA} and {@code ifB} in
     * {@code nsB}, both up. A null namespace means the test's own (root) namespace.
     */
    public void veth(final String nsA, final String ifA, final String nsB, final String ifB) throws IOException {
        final String tmpA = prefix + "a" + links.size();
        final String tmpB = prefix + "b" + links.size();
        run("ip", "link", "add", tmpA, "type", "veth", "peer", "name", tmpB);
        links.add(tmpA);
        moveAndName(tmpA, nsA, ifA);
        moveAndName(tmpB, nsB, ifB);
    }

    private void moveAndName(final String tmp, final String ns, final String name) throws IOException {
        if (ns != null) {
            run("ip", "link", "set", tmp, "netns", ns);
            run("ip", "-n", ns, "link", "set", tmp, "name", name);
            run("ip", "-n", ns, "link", "set", name, "up");
        } else {
            run("ip", "link", "set", tmp, "name", name);
            links.add(name);
            run("ip", "link", "set", name, "up");
        }
    }

    /** Adds a bridge {@code name} inside {@code ns} (up). */
    public void bridge(final String ns, final String name) throws IOException {
        run("ip", "-n", ns, "link", "add", name, "type", "bridge");
        run("ip", "-n", ns, "link", "set", name, "up");
    }

    /** Enslaves {@code ifName} to {@code bridge}, both inside {@code ns}. */
    public void attach(final String ns, final String ifName, final String bridge) throws IOException {
        run("ip", "-n", ns, "link", "set", ifName, "master", bridge);
    }

    /** Adds {@code cidr} to {@code ifName} inside {@code ns}. */
    public void address(final String ns, final String ifName, final String cidr) throws IOException {
        run("ip", "-n", ns, "addr", "add", cidr, "dev", ifName);
    }

    /** Runs {@code cmd} inside {@code ns} and returns its standard output; fails on a non-zero exit. */
    public String exec(final String ns, final String... cmd) throws IOException {
        final String[] full = new String[cmd.length + 4];
        full[0] = "ip";
        full[1] = "netns";
        full[2] = "exec";
        full[3] = ns;
        System.arraycopy(cmd, 0, full, 4, cmd.length);
        return run(full);
    }

    /** Runs a command with a 30 s bound; returns stdout; throws with stderr on a non-zero exit. */
    public static String run(final String... cmd) throws IOException {
        final Result r = tryRun(cmd);
        if (r.exitCode != 0) {
            throw new IOException(String.join(" ", cmd) + " exited " + r.exitCode + ": " + r.stderr.strip());
        }
        return r.stdout;
    }

    /** The outcome of a command. */
    public record Result(int exitCode, String stdout, String stderr) {
    }

    /** Runs a command with a 30 s bound and returns its outcome, whatever the exit code. */
    public static Result tryRun(final String... cmd) throws IOException {
        final Process p = new ProcessBuilder(cmd).start();
        try {
            p.getOutputStream().close();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", cmd) + " did not finish within 30 s");
            }
            final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            final String errText = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            return new Result(p.exitValue(), out, errText);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new IOException("interrupted", e);
        }
    }

    /** Removes every namespace and root-namespace link this fixture made; never throws. */
    @Override
    public void close() {
        for (final String l : links) {
            try {
                tryRun("ip", "link", "del", l);
            } catch (IOException ignored) {
                // already gone with its peer
            }
        }
        for (final String ns : namespaces) {
            try {
                tryRun("ip", "netns", "del", ns);
            } catch (IOException ignored) {
                // best effort: nothing else can be done here
            }
        }
    }
}
