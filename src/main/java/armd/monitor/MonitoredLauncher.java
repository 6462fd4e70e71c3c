package armd.monitor;

import armd.action.ScriptLauncher;
import armd.cluster.ArmsEvent;
import armd.cluster.RunOutcome;
import armd.cluster.ScriptRun;
import armd.config.ClusterConfig;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Starts a group's monitors when it comes online here and stops them before it goes offline: a decorator of the
 * launcher that runs the group's scripts (and resources). A successful START or FAILOVER start run brings the
 * group online (a RECOVER run never does: the group runs elsewhere, or a START follows); a stop run takes it
 * offline, and its monitors stop before the stop script starts, so stopping the application is no failure.
 *
 * <p>Monitor start and stop happen on one thread of their own, in order: stopping waits for a probe in
 * progress, which must delay neither the caller (the agent's event loop) nor the heartbeats. Groups without
 * monitors go straight through.
 */
public final class MonitoredLauncher implements ScriptLauncher, AutoCloseable {
    /** Replaced by a configuration reload (monitor settings; never which groups have monitors). */
    private volatile ClusterConfig config;
    private final ScriptLauncher delegate;
    private final MonitorEngine engine;
    private final ExecutorService lifecycle = Executors.newSingleThreadExecutor(
        r -> Thread.ofPlatform().name("armd-monitor-lifecycle").daemon().unstarted(r));

    /** Runs scripts through {@code delegate}, starting and stopping {@code engine}'s monitors around them. */
    public MonitoredLauncher(final ClusterConfig config, final ScriptLauncher delegate, final MonitorEngine engine) {
        this.config = config;
        this.delegate = delegate;
        this.engine = engine;
    }

    @Override
    public void launch(final ScriptRun run, final Done done) {
        final int g = run.group();
        if (config.monitorsOf(g).isEmpty()) {
            delegate.launch(run, done);
        } else if (run.stop()) {
            lifecycle.execute(() -> {
                engine.groupOffline(g);
                delegate.launch(run, done);
            });
        } else {
            delegate.launch(run, (outcome, reason) -> {
                // the agent learns of the start first (its queue is in order), so a report finds the group online
                done.done(outcome, reason);
                if (outcome == RunOutcome.OK && run.event() != ArmsEvent.RECOVER) {
                    lifecycle.execute(() -> engine.groupOnline(g));
                }
            });
        }
    }

    /**
     * Runs the monitors of {@code reloaded} from now on (a configuration reload: the same groups and monitors, other
     * settings): the monitors of {@code groups} are restarted where they run, in order with the starts and stops
     * of groups, on the lifecycle thread (a stop waits for a probe in progress). Returns at once.
     */
    public void reconfigure(final ClusterConfig reloaded, final java.util.Set<Integer> groups) {
        this.config = reloaded;
        try {
            lifecycle.execute(() -> engine.reconfigure(reloaded, groups));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // closed: the agent is stopping, and no monitor runs any more
        }
    }

    @Override
    public void probeHolders(final int group, final ProbeDone done) {
        delegate.probeHolders(group, done);
    }

    @Override
    public void reassert(final int group) {
        delegate.reassert(group);
    }

    @Override
    public void close() {
        lifecycle.shutdownNow();
        engine.close();
    }
}
