package armd.agent;

import armd.heartbeat.HeartbeatStats;

import java.nio.ByteBuffer;

/** Heartbeat I/O as the agent sees it: publish our payload, drain the peers' authenticated payloads. */
public interface HeartbeatLink extends AutoCloseable {
    /** From now on every heartbeat carries {@code payload} (position to limit, copied); sent at once. */
    void publish(ByteBuffer payload);

    /** Delivers every authenticated payload received since the last call; non-blocking; returns the count. */
    int drain(PayloadSink sink);

    /** Heartbeats from now on carry {@code incarnation} (higher than the current one), sequences from 1. */
    void incarnation(long incarnation);

    /**
     * After {@link #drain}: the time (System.nanoTime clock) up to which every payload received has been
     * delivered ({@link armd.heartbeat.HeartbeatTransport#drainedThroughNs()}); silence is judged no later.
     */
    default long drainedThroughNs() {
        return Long.MAX_VALUE;
    }

    /** Descriptors that become readable when {@link #drain} has work (for the agent's poll). */
    int[] fds();

    /** What was received, accepted and dropped (by reason): for the status; any thread. */
    HeartbeatStats stats();

    @Override
    void close();

    /** Receives payloads; called on the agent thread. */
    interface PayloadSink {
        /**
         * One payload from {@code sender} (boot {@code incarnation}) on heartbeat path {@code path}, received by
         * the kernel at {@code rxNs} (System.nanoTime clock); {@code payload} is valid only during the call.
         */
        void onPayload(int sender, long incarnation, int path, ByteBuffer payload, long rxNs);

        /** Server {@code sender}'s heartbeat port was refused (ICMP port unreachable) at {@code nowNs}. */
        default void onRefused(final int sender, final long nowNs) {
        }

        /**
         * Server {@code sender}'s guardian says its agent (boot {@code incarnation}) died and released what it
         * held (an authenticated "gone" frame), received at {@code rxNs}.
         */
        default void onGone(final int sender, final long incarnation, final long rxNs) {
        }
    }
}
