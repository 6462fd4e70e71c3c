package armd.action;

import armd.cluster.ScriptRun;

import java.util.function.Consumer;

/** Starts a group's start or stop script without blocking; reports whether it ran and exited 0. */
public interface ScriptLauncher {
    /** Launches {@code run}; {@code done} is called once, on any thread, with true for exit code 0. */
    void launch(ScriptRun run, Consumer<Boolean> done);
}
