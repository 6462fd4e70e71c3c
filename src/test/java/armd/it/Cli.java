package armd.it;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Runs the armd CLI from the build's classes in a fresh JVM, optionally inside a network namespace. */
public final class Cli {
    private Cli() {
    }

    /** Runs {@code armd ARGS...} (inside {@code ns} unless null) with a 30 s bound and returns its outcome. */
    public static Netns.Result armd(final String ns, final String... args) throws IOException {
        final List<String> cmd = new ArrayList<>();
        if (ns != null) {
            cmd.addAll(List.of("ip", "netns", "exec", ns));
        }
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(List.of("--enable-native-access=ALL-UNNAMED", "-XX:TieredStopAtLevel=1", "-cp",
            Path.of("target", "classes").toAbsolutePath().toString(), "armd.Main"));
        cmd.addAll(List.of(args));
        return Netns.tryRun(cmd.toArray(new String[0]));
    }
}
