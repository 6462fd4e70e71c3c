package armd.agent;

import armd.base.AgentLog;
import armd.config.ClusterConfig;
import armd.config.ClusterKey;
import armd.config.ConfigChanges;
import armd.config.ConfigParser;
import armd.config.Problem;

import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * A configuration reload (SIGHUP, {@code systemctl reload}; docs/behaviour.md#reloading-the-configuration): the
 * file is read again with the parser and checks of {@code armd check}; a file with problems changes nothing
 * (each problem logged as {@code FILE:LINE: ...}); a valid one is compared with what the agent runs on
 * ({@link ConfigChanges}), the changes a running agent can take on are applied and logged as "applied: ...", and
 * the others are logged as needing a restart and are not applied. The key file is read again too: a new key needs
 * a restart (every server must change it together), so it is only reported.
 *
 * <p>Thread-safe: reloads are serialized; the caller runs them off the agent thread (parsing checks files).
 */
public final class ConfigReload {
    /** Where a reload reads the configuration from: the file, or a super cluster's verified local copy. */
    @FunctionalInterface
    public interface Source {
        /** The configuration as it is now, parsed and checked. */
        ConfigParser.Result read();
    }

    private final Path file;
    private final Source source;
    private final AgentLog log;
    private final AgentLog.Level startLevel;
    private final byte[] key;
    private final Consumer<ConfigChanges> apply;
    private ClusterConfig running;
    private Instant readAt;

    /**
     * The result of one reload.
     *
     * @param valid whether the file was valid (when not, nothing changed)
     * @param lines what the log got, in order: the problems, or the applied changes and those needing a restart
     */
    public record Outcome(boolean valid, List<String> lines) {
        /** Copies the lines. */
        public Outcome {
            lines = List.copyOf(lines);
        }
    }

    /**
     * Reloads of {@code file}, which gave {@code config} and {@code key} at start; {@code startLevel} is the log
     * level when the file sets none (the command line's, or info); {@code apply} hands the applied changes to the
     * parts that take them on (it is called only when something is applied, before the log level changes).
     */
    public ConfigReload(final Path file, final ClusterConfig config, final byte[] key, final AgentLog.Level startLevel,
                        final ConfigParser parser, final AgentLog log, final Consumer<ConfigChanges> apply) {
        this(file, () -> parser.parse(file), config, key, startLevel, log, apply);
    }

    /**
     * Reloads from {@code source} (shown in the log as {@code file}): a super cluster's copy of the cluster's
     * configuration, checked like the file ({@code ConfigParser.parse(bytes, ...)}).
     */
    public ConfigReload(final Path file, final Source source, final ClusterConfig config, final byte[] key,
                        final AgentLog.Level startLevel, final AgentLog log, final Consumer<ConfigChanges> apply) {
        this.file = file;
        this.source = source;
        this.running = config;
        this.key = key.clone();
        this.startLevel = startLevel;
        this.log = log;
        this.apply = apply;
        this.readAt = Instant.now();
    }

    /** What the agent runs on: the configuration of its start with the changes reloads applied. */
    public synchronized ClusterConfig running() {
        return running;
    }

    /** Reads the file again and applies what can be; every outcome is logged. */
    public synchronized Outcome reload() {
        log.line("configuration reload: reading " + file);
        final List<String> lines = new ArrayList<>();
        final ConfigParser.Result r = source.read();
        if (!r.valid()) {
            for (final Problem p : r.problems()) {
                lines.add(p.toString());
            }
            return refused(lines);
        }
        final ConfigChanges changes = ConfigChanges.between(running, r.config());
        final List<String> restart = changes.needsRestart();
        final List<String> together = new ArrayList<>(changes.needsClusterRestart());
        try {
            if (!MessageDigest.isEqual(key, ClusterKey.load(r.config().keyFile()))) {
                together.add("[cluster] key-file " + r.config().keyFile() + ": the key in it changed");
            }
        } catch (RuntimeException e) {
            lines.add(r.config().file() + ": key file " + r.config().keyFile() + ": " + e.getMessage());
            return refused(lines);
        }
        if (changes.applied().isEmpty() && restart.isEmpty() && together.isEmpty()) {
            lines.add("configuration reloaded from " + file + ": no change");
            log.line(lines.getLast());
            return new Outcome(true, lines);
        }
        // what took effect first, so an operator reading the log never has to guess
        for (final String a : changes.applied()) {
            lines.add("applied: " + a);
            log.line(lines.getLast());
        }
        for (final String x : restart) {
            lines.add("needs a restart of the agent (one server at a time): " + x);
            log.answer(AgentLog.Level.WARNING, lines.getLast());
        }
        for (final String x : together) {
            lines.add("needs every agent restarted at once (servers on old and new values would not hear each "
                + "other: stop the agent on every server, then start them): " + x);
            log.answer(AgentLog.Level.WARNING, lines.getLast());
        }
        final int waiting = restart.size() + together.size();
        lines.add("configuration reloaded from " + file + ": " + changes.applied().size() + " change(s) applied"
            + (waiting == 0 ? "" : ", " + waiting + " not applied until the agent restarts (it runs on the values "
            + "read at " + at(readAt) + " for them)"));
        log.line(lines.getLast());
        if (!changes.applied().isEmpty()) {
            final AgentLog.Level before = running.actions().logLevel();
            running = changes.effective();
            readAt = Instant.now();
            apply.accept(changes);
            final AgentLog.Level after = running.actions().logLevel();
            if (before != after) {
                log.threshold(after == null ? startLevel : after);
                log.debug("log level now " + log.threshold().label());
            }
        }
        return new Outcome(true, lines);
    }

    private Outcome refused(final List<String> lines) {
        lines.add("configuration not reloaded: the agent keeps the one read at " + at(readAt));
        for (final String l : lines) {
            log.answer(AgentLog.Level.ERROR, l);
        }
        return new Outcome(false, lines);
    }

    private static String at(final Instant t) {
        return t.truncatedTo(ChronoUnit.SECONDS).toString();
    }
}
