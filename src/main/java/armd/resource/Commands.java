package armd.resource;

import armd.action.ScriptRunner;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a helper command (fsck, mount) for a resource: clean environment, output to the log, a time bound. */
final class Commands {
    /** How it went: {@code exitCode} when it ran, else -1 with {@code error} saying why (not started, timeout). */
    record Result(int exitCode, String error, String lastLine) {
        boolean ran() {
            return error == null;
        }
    }

    private Commands() {
    }

    /** The executable {@code command} resolves to (a bare name is looked up in the scripts' PATH), or null. */
    static Path find(final String command) {
        if (command.contains("/")) {
            final Path p = Path.of(command);
            return Files.isExecutable(p) ? p : null;
        }
        for (final String dir : ScriptRunner.SYSTEM_PATH.split(":")) {
            final Path p = Path.of(dir, command);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    /** Runs {@code cmd}, logging each output line under {@code resource}, killed after {@code timeoutMs}. */
    static Result run(final GroupContext a, final String resource, final List<String> cmd, final long timeoutMs) {
        final ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
            .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.environment().clear();
        pb.environment().put("PATH", ScriptRunner.SYSTEM_PATH);
        pb.environment().put("LC_ALL", "C");
        final Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            return new Result(-1, "cannot run " + cmd.getFirst() + ": " + e.getMessage(), "");
        }
        final String name = Path.of(cmd.getFirst()).getFileName().toString();
        final String[] last = {""};
        final Thread reader = Thread.ofVirtual().start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(),
                StandardCharsets.UTF_8))) {
                for (String line = r.readLine(); line != null; line = r.readLine()) {
                    if (!line.isBlank()) {
                        a.log(resource, name + ": " + line.strip());
                        synchronized (last) {
                            last[0] = line.strip();
                        }
                    }
                }
            } catch (IOException ignored) {
                // the process is gone; what it printed so far is logged
            }
        });
        try {
            if (!p.waitFor(timeoutMs, TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
                return new Result(-1, String.join(" ", cmd) + " did not finish within " + timeoutMs + " ms (killed)",
                    "");
            }
            reader.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            return new Result(-1, String.join(" ", cmd) + " interrupted: the agent is stopping", "");
        }
        synchronized (last) {
            return new Result(p.exitValue(), null, last[0]);
        }
    }
}
