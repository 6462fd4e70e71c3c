package armd.agent;

import armd.base.AgentLog;
import armd.action.ScriptLauncher;
import armd.action.ScriptResult;
import armd.action.ScriptRunner;
import armd.cluster.RunOutcome;
import armd.cluster.ScriptRun;
import armd.config.ClusterConfig;

import java.nio.file.Path;
import java.util.Map;

/** Runs group scripts with {@link ScriptRunner}: the ARMS_* environment, timeout, output to the agent log. */
public final class ScriptRunnerLauncher implements ScriptLauncher {
    /** Replaced by a configuration reload (scripts and timeouts); read once at each run. */
    private volatile ClusterConfig config;
    private final ScriptRunner runner;
    private final AgentLog log;
    private final TransitionLog transitions;

    /** Scripts of {@code config}'s groups, run by {@code runner}, results logged to {@code log}. */
    public ScriptRunnerLauncher(final ClusterConfig config, final ScriptRunner runner, final AgentLog log) {
        this(config, runner, log, new TransitionLog());
    }

    /** The same, each run also recorded in {@code transitions} for the status. */
    public ScriptRunnerLauncher(final ClusterConfig config, final ScriptRunner runner, final AgentLog log,
                                final TransitionLog transitions) {
        this.config = config;
        this.runner = runner;
        this.log = log;
        this.transitions = transitions;
    }

    /**
     * Runs the scripts of {@code reloaded} from the next run on, with its timeouts (same groups, in the same
     * order): a configuration reload. A script already running keeps its own.
     */
    public void reconfigure(final ClusterConfig reloaded) {
        this.config = reloaded;
    }

    @Override
    public void launch(final ScriptRun run, final Done done) {
        final ClusterConfig.Group g = config.groups().get(run.group()); // one read: one configuration a run
        final Path script = run.stop() ? g.stopScript() : g.startScript();
        final Map<String, String> env = ScriptRunner.armsEnvironment(run.event().name(),
            run.factor() == null ? null : run.factor().name(), run.home() ? "HOME" : "OTHER",
            run.diskOk() ? "SUCCESS" : "FAILURE", run.priority(), g.name());
        // logged here, with the environment the script really gets (resources may have changed ARMS_DISK)
        log.line("group " + g.name() + ": " + run.script() + " script " + String.join(" ",
            env.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList()));
        final Object transition = transitions.started(g.name(), run.script(), env);
        runner.run(g.name(), run.script(), script, env, g.scriptTimeoutMs()).whenComplete((r, t) -> {
            final ScriptResult res = r != null ? r
                : ScriptResult.notRun(ScriptResult.ExecStatus.COULD_NOT_START, String.valueOf(t));
            transitions.ended(transition, res.succeeded() ? "ok" : switch (res.status()) {
                case DONE -> "failed";
                case TIMEOUT -> "timeout";
                case REFUSED -> "refused";
                case COULD_NOT_START -> "not started";
            }, res.status() == ScriptResult.ExecStatus.DONE ? res.exitCode() : -1);
            if (!res.succeeded()) {
                log.error("group " + g.name() + ": " + run.script() + " script " + res.status().name().toLowerCase()
                    + (res.status() == ScriptResult.ExecStatus.DONE ? " with exit code " + res.exitCode() : "")
                    + (res.reason() == null ? "" : ": " + res.reason()));
            }
            done.done(res.succeeded() ? RunOutcome.OK : RunOutcome.FAILED, res.succeeded() ? null
                : run.script() + " script " + res.status().name().toLowerCase().replace('_', ' ')
                + (res.status() == ScriptResult.ExecStatus.DONE ? " with exit code " + res.exitCode() : ""));
        });
    }
}
