package armd.resource;

import armd.base.AgentLog;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * What one group's resources share while they are activated and released on the group's worker thread: the
 * log, the settings, and the launcher's "closing" signal that ends every wait early.
 */
final class GroupContext {
    private final String group;
    private final AgentLog log;
    private final ResourceLauncher.Settings settings;
    private final CountDownLatch closing;
    private final int commandTimeoutMs;

    GroupContext(final String group, final AgentLog log, final ResourceLauncher.Settings settings,
               final CountDownLatch closing, final int commandTimeoutMs) {
        this.group = group;
        this.log = log;
        this.settings = settings;
        this.closing = closing;
        this.commandTimeoutMs = commandTimeoutMs;
    }

    String group() {
        return group;
    }

    ResourceLauncher.Settings settings() {
        return settings;
    }

    /** The bound of a mount command: the group's script timeout. */
    int commandTimeoutMs() {
        return commandTimeoutMs;
    }

    /** Logs {@code group G: resource R: text}. */
    void log(final String resource, final String text) {
        log.info("group " + group + ": resource " + resource + ": " + text);
    }

    /** Logs {@code group G: resource R: text} at debug level (timings an operator rarely wants). */
    void debug(final String resource, final String text) {
        log.debug("group " + group + ": resource " + resource + ": " + text);
    }

    /** Logs {@code group G: resource R: text} as a warning (handled, but the operator should know). */
    void warning(final String resource, final String text) {
        log.warning("group " + group + ": resource " + resource + ": " + text);
    }

    /** Logs {@code group G: resource R: text} as an error (something the operator must fix). */
    void error(final String resource, final String text) {
        log.error("group " + group + ": resource " + resource + ": " + text);
    }

    /** Waits {@code ms}; false when the launcher is closing (the agent stops), true after the full wait. */
    boolean pause(final long ms) {
        try {
            return !closing.await(ms, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
