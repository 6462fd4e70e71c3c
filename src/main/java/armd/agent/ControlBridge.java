package armd.agent;

import armd.config.ClusterConfig;

import java.nio.file.Path;

/** Placeholder until the control server lands: the agent runs without a control socket. */
public final class ControlBridge implements AutoCloseable {
    /** Starts nothing yet. */
    public static ControlBridge start(final ClusterConfig config, final ClusterAgent agent, final Path socket,
                                      final AgentLog log) {
        log.line("control socket not available in this build");
        return new ControlBridge();
    }

    @Override
    public void close() {
    }
}
