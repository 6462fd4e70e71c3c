package armd.supercluster;

import armd.config.ConfigParser;
import armd.config.Problem;
import armd.config.SuperConfig;
import armd.wire.SuperFrame;
import armd.wire.SuperFrame.Outcome;
import armd.wire.SuperFrame.PushResult;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * The management server's side of a push (docs/behaviour.md#super-cluster), pure: the checks before anything is
 * stored ({@link #refusal}, {@link #validate}), the version ({@link #nextVersion}), then, once the runtime has
 * stored the new version here, the REPLICATEs to the other master servers ({@link #begin}), the count of their
 * STORED answers to a strict majority ({@link #stored}), resends and the timeout ({@link #tick}).
 *
 * <p>The runtime's sequence for a PUSH: {@code refusal} (null: go on), {@code validate} (problems: refuse INVALID),
 * {@code nextVersion}, store it in the {@link ConfigStore} (the election's {@code accepting} still true), then
 * {@code begin}, send its REPLICATEs; answer the pusher with the {@link Finished} results {@code stored} and
 * {@code tick} return.
 *
 * <p>Not thread-safe: one owner (the super service thread).
 */
public final class PushCoordinator {
    /** A push whose answer is due: the runtime's id for it (whom to answer) and the answer. */
    public record Finished(long pushId, PushResult result) {
    }

    /** What a step returns: frames to send and answers due. */
    public record Step(List<Outgoing> send, List<Finished> finished) {
        static final Step NOTHING = new Step(List.of(), List.of());
    }

    /** One push in flight. */
    private static final class Pending {
        final long pushId;
        final SuperFrame.Replicate replicate;
        final long deadline;
        final int needed;
        final Set<String> stored = new HashSet<>();
        /** Nonce -> peer of every REPLICATE sent (an answer with another nonce is dropped). */
        final Map<Long, String> nonces = new LinkedHashMap<>();
        long lastSentAt;

        Pending(final long pushId, final SuperFrame.Replicate replicate, final long deadline, final int needed) {
            this.pushId = pushId;
            this.replicate = replicate;
            this.deadline = deadline;
            this.needed = needed;
        }
    }

    private final String self;
    private final List<String> masters;
    private final long timeoutNs;
    private final long resendNs;
    private final LongSupplier nonces;
    private final Map<Long, Pending> pending = new LinkedHashMap<>();

    /**
     * The coordinator of {@code self} among {@code masters}: a push not stored on a majority within
     * {@code timeoutNs} is answered "not confirmed"; REPLICATEs not answered are sent again every {@code resendNs}.
     */
    public PushCoordinator(final String self, final List<String> masters, final long timeoutNs, final long resendNs,
                           final LongSupplier nonces) {
        this.self = self;
        this.masters = List.copyOf(masters);
        this.timeoutNs = timeoutNs;
        this.resendNs = resendNs;
        this.nonces = nonces;
    }

    /** How many master servers make a strict majority. */
    public int majority() {
        return masters.size() / 2 + 1;
    }

    /**
     * The refusal of a push of {@code size} bytes made against {@code baseVersion} before anything is validated or
     * stored, or null to go on: not the holder, no majority, too big, stale base. The base is always checked: it
     * must be the version stored here (0: nothing stored yet), so a PUSH captured and sent again after the next
     * change fails as a stale base.
     */
    public PushResult refusal(final ManagementElection election, final String cluster, final long baseVersion,
                              final int size, final long now) {
        final int n = masters.size();
        if (!election.accepting(now)) {
            final String holder = election.holder(now);
            if (!holder.equals(self) && !holder.isEmpty()) {
                return new PushResult(cluster, Outcome.NOT_HOLDER, 0, 0, n, holder, "refused: " + self
                    + " is not the management server; " + holder + " is");
            }
            final String why = election.notAcceptingReason(now);
            // forced return is the way out of a missing majority only, not of a start, a sync or another holder
            return new PushResult(cluster, Outcome.NO_MAJORITY, 0, 0, n, holder, "refused: " + why
                + (election.lacksMajority(now) ? "; run 'armd super force-return' on a surviving master server if"
                + " the others are down" : ""));
        }
        if (size > SuperFrame.MAX_CONFIG_LENGTH) {
            return new PushResult(cluster, Outcome.TOO_BIG, 0, 0, n, self, "refused: the configuration has " + size
                + " bytes, at most " + SuperFrame.MAX_CONFIG_LENGTH + " can be distributed");
        }
        final long held = election.version(cluster);
        if (baseVersion != held) {
            return new PushResult(cluster, Outcome.STALE_BASE, held, 0, n, self, "refused: the change was made"
                + " against " + (baseVersion == 0 ? "no stored version" : "version " + baseVersion) + " but "
                + (held == 0 ? "nothing is stored yet" : "version " + held + " is current") + "; fetch it and redo"
                + " the change (or push without --base)");
        }
        return null;
    }

    /**
     * The problems of {@code bytes} as the configuration of {@code cluster} in {@code superConfig} (empty: none):
     * what {@code armd check} finds without looking at another host's files, the {@code [cluster] name}, and the
     * servers, which must be the super file's list for that cluster. Each problem is "FILE:LINE: message".
     */
    public static List<String> validate(final SuperConfig superConfig, final String cluster, final byte[] bytes) {
        final List<String> problems = new ArrayList<>();
        final SuperConfig.Cluster known = superConfig.cluster(cluster).orElse(null);
        if (known == null) {
            problems.add("cluster " + cluster + " is not in the super cluster file " + superConfig.file());
            return problems;
        }
        final Path shownAs = Path.of(cluster + ".conf (pushed)");
        final ConfigParser.Result r = new ConfigParser(false).parse(bytes, shownAs, superConfig.baseDir(), false);
        for (final Problem p : r.problems()) {
            problems.add(p.toString());
        }
        if (!r.valid() || r.config() == null) {
            return problems;
        }
        if (!r.config().name().equals(cluster)) {
            problems.add(shownAs + ": [cluster] name is " + r.config().name() + ", the push is for " + cluster);
        }
        final List<String> servers = r.config().servers().stream().map(s -> s.name()).toList();
        if (!servers.equals(known.serverNames())) {
            problems.add(shownAs + ": servers " + servers + " are not the super cluster file's " + known.serverNames()
                + " for cluster " + cluster);
        }
        return problems;
    }

    /** The version a new push of {@code cluster} gets: the stored one + 1. */
    public static long nextVersion(final ManagementElection election, final String cluster) {
        return election.version(cluster) + 1;
    }

    /**
     * Starts counting a push already stored here as {@code replicate} (this server counts as one store): returns the
     * REPLICATEs to send, or, with a master cluster of one, the answer at once.
     */
    public Step begin(final long pushId, final SuperFrame.Replicate replicate, final long now) {
        return begin(pushId, replicate, false, now);
    }

    /**
     * {@link #begin(long, SuperFrame.Replicate, long)}, under forced return when {@code forced}: this server's own
     * store is the majority (the operator asserted that the others are down); the REPLICATEs still go out.
     */
    public Step begin(final long pushId, final SuperFrame.Replicate replicate, final boolean forced, final long now) {
        final Pending p = new Pending(pushId, replicate, now + timeoutNs, forced ? 1 : majority());
        p.stored.add(self);
        if (p.stored.size() >= p.needed) {
            return new Step(List.of(), List.of(new Finished(pushId, accepted(p))));
        }
        pending.put(pushId, p);
        return new Step(send(p, now), List.of());
    }

    /** A STORED answer from {@code from} with {@code nonce}: the answer of the push if it now has its majority. */
    public Step stored(final String from, final long nonce, final SuperFrame.Stored answer, final long now) {
        for (final Iterator<Pending> it = pending.values().iterator(); it.hasNext();) {
            final Pending p = it.next();
            if (!from.equals(p.nonces.get(nonce))) {
                continue;
            }
            if (!answer.ok() || answer.version() != p.replicate.version()
                || !answer.cluster().equals(p.replicate.cluster())) {
                p.nonces.remove(nonce);
                return Step.NOTHING;
            }
            p.stored.add(from);
            p.nonces.values().removeIf(from::equals);
            if (p.stored.size() >= p.needed) {
                it.remove();
                return new Step(List.of(), List.of(new Finished(p.pushId, accepted(p))));
            }
            return Step.NOTHING;
        }
        return Step.NOTHING;
    }

    /** Time passes: resends to the master servers that did not answer, and "not confirmed" past the timeout. */
    public Step tick(final long now) {
        final List<Outgoing> send = new ArrayList<>();
        final List<Finished> finished = new ArrayList<>();
        for (final Iterator<Pending> it = pending.values().iterator(); it.hasNext();) {
            final Pending p = it.next();
            if (now - p.deadline >= 0) {
                it.remove();
                final int n = masters.size();
                finished.add(new Finished(p.pushId, new PushResult(p.replicate.cluster(), Outcome.NOT_CONFIRMED,
                    p.replicate.version(), p.stored.size(), n, self, "not confirmed: cluster "
                    + p.replicate.cluster() + " version " + p.replicate.version() + " stored on " + p.stored.size()
                    + " of " + n + " master servers; it may still take effect; push again to be sure")));
            } else if (now - p.lastSentAt >= resendNs) {
                send.addAll(send(p, now));
            }
        }
        return send.isEmpty() && finished.isEmpty() ? Step.NOTHING : new Step(send, finished);
    }

    /** How many pushes are in flight. */
    public int inFlight() {
        return pending.size();
    }

    private List<Outgoing> send(final Pending p, final long now) {
        p.lastSentAt = now;
        final List<Outgoing> out = new ArrayList<>();
        for (final String m : masters) {
            if (!p.stored.contains(m)) {
                final long nonce = nonces.getAsLong();
                p.nonces.put(nonce, m);
                out.add(new Outgoing(m, nonce, p.replicate));
            }
        }
        return out;
    }

    private PushResult accepted(final Pending p) {
        final int n = masters.size();
        return new PushResult(p.replicate.cluster(), Outcome.ACCEPTED, p.replicate.version(), p.stored.size(), n,
            self, "cluster " + p.replicate.cluster() + ": version " + p.replicate.version() + " stored on "
            + p.stored.size() + " of " + n + " master servers");
    }
}
