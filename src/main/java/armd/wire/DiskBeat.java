package armd.wire;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * The disk heartbeat, version 1: what one server writes into its own sector of the shared cluster partition,
 * and a flyweight decoder for the sectors of the others. All fields are big-endian.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                   magic 0x41524442 ("ARDB")                   |   0
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  version (1)  |     flags     |   sender id   | server state  |   4
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                          cluster id                           |   8
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                                                               |  12
 * +                    boot incarnation (u64)                     +
 * |                                                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                                                               |  20
 * +                        sequence (u64)                         +
 * |                                                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                                                               |  28
 * +                  held groups (64-bit bitmap)                  +
 * |                                                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                                                               |  36
 * +      MAC: HMAC-SHA256(cluster key, bytes 0 .. 35), first      +
 * |      16 bytes                                                 |
 * +                                                               +
 * |                                                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |       zero up to the end of the sector (512 or 4096 bytes)    |  52
 * ~                                                               ~
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 *
 * <ul>
 *   <li>sender id: the server's position in the configuration, 0..15; server i writes sector
 *       {@code first sector + i}, so a beat whose sender is not the sector's owner is refused (two servers
 *       configured with different sector numbers, or a sector copied from elsewhere).</li>
 *   <li>server state: the sender's {@code armd.cluster.ServerState} ordinal, carried untouched.</li>
 *   <li>held groups: bit g set while the sender is starting, running, stopping or recovering group g.</li>
 *   <li>flags: 0 in version 1; carried untouched (reserved for the decision rules).</li>
 *   <li>cluster id, boot incarnation and sequence as in {@link HeartbeatFrame}: another cluster's partition is
 *       told apart before the MAC; (incarnation, sequence) makes every authentic beat unique, so a stale or
 *       replayed sector is recognised by the reader's last-seen pair.</li>
 *   <li>bytes 52 to the end of the sector are written as zeros and ignored when read (room for later versions,
 *       which a version 1 reader tells apart by the version byte).</li>
 * </ul>
 *
 * <p>Not thread-safe: one instance per thread (it holds the MAC state and the last decoded beat).
 */
public final class DiskBeat {
    /** "ARDB" in ASCII. */
    public static final int MAGIC = 0x41524442;
    public static final int VERSION = 1;
    /** Bytes covered by the MAC. */
    public static final int HEADER_LENGTH = 36;
    public static final int MAC_LENGTH = 16;
    /** The encoded beat; the rest of its sector is zero. */
    public static final int LENGTH = HEADER_LENGTH + MAC_LENGTH;
    /** The smallest sector a beat is written into (the smallest logical sector size). */
    public static final int MIN_SECTOR = 512;

    static final int OFF_MAGIC = 0;
    static final int OFF_VERSION = 4;
    static final int OFF_FLAGS = 5;
    static final int OFF_SENDER = 6;
    static final int OFF_STATE = 7;
    static final int OFF_CLUSTER = 8;
    static final int OFF_INCARNATION = 12;
    static final int OFF_SEQUENCE = 20;
    static final int OFF_GROUPS = 28;

    private static final VarHandle U32 = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle U64 = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

    /** What a sector held; every value but {@link #OK} is a reason not to act on it, counted by the reader. */
    public enum Result {
        /** An authentic beat of the sector's owner. */
        OK,
        /** Zeros where the magic goes: nobody has written this sector yet. */
        BLANK,
        /** Not a disk heartbeat: the region holds something else (a wrong sector number, or a file system). */
        BAD_MAGIC,
        /** A disk heartbeat of a version this build does not read. */
        BAD_VERSION,
        /** Another cluster's beat (different cluster name). */
        FOREIGN_CLUSTER,
        /** The MAC does not verify: forged, torn, corrupted, or a different cluster key. */
        BAD_MAC,
        /** Authentic, but written by another server than the sector's owner. */
        WRONG_SENDER
    }

    private final HmacSha256 hmac;
    private final int clusterId;
    private final byte[] expectedMac = new byte[MAC_LENGTH];

    private int flags;
    private int senderId;
    private int serverState;
    private long incarnation;
    private long sequence;
    private long heldGroups;

    /** A codec for the cluster with {@code key} (at least 16 bytes) and {@code clusterId}. */
    public DiskBeat(final byte[] key, final int clusterId) {
        if (key.length < HeartbeatFrame.MIN_KEY_LENGTH) {
            throw new IllegalArgumentException("cluster key: " + key.length + " bytes, at least "
                + HeartbeatFrame.MIN_KEY_LENGTH + " needed");
        }
        this.hmac = new HmacSha256(key);
        this.clusterId = clusterId;
    }

    /**
     * Writes a beat, MAC included, into {@code dst[dstOffset, dstOffset + sectorLength)}, zeros after it; returns
     * {@code sectorLength}. Throws IllegalArgumentException for a sender over 15, a state or flags over 255, or a
     * sector shorter than {@link #MIN_SECTOR} or past the array (programming errors).
     */
    public int encode(final byte[] dst, final int dstOffset, final int sectorLength, final int sender,
                      final int state, final int beatFlags, final long beatIncarnation, final long beatSequence,
                      final long groups) {
        if (sender < 0 || sender > HeartbeatFrame.MAX_SENDER_ID || (state & ~0xff) != 0 || (beatFlags & ~0xff) != 0
            || sectorLength < MIN_SECTOR || dstOffset < 0 || dst.length - dstOffset < sectorLength) {
            throw new IllegalArgumentException("disk beat: sender " + sender + ", state " + state + ", flags "
                + beatFlags + ", sector " + sectorLength + " bytes at " + dstOffset + " of " + dst.length);
        }
        U32.set(dst, dstOffset + OFF_MAGIC, MAGIC);
        dst[dstOffset + OFF_VERSION] = (byte) VERSION;
        dst[dstOffset + OFF_FLAGS] = (byte) beatFlags;
        dst[dstOffset + OFF_SENDER] = (byte) sender;
        dst[dstOffset + OFF_STATE] = (byte) state;
        U32.set(dst, dstOffset + OFF_CLUSTER, clusterId);
        U64.set(dst, dstOffset + OFF_INCARNATION, beatIncarnation);
        U64.set(dst, dstOffset + OFF_SEQUENCE, beatSequence);
        U64.set(dst, dstOffset + OFF_GROUPS, groups);
        hmac.mac(dst, dstOffset, HEADER_LENGTH, dst, dstOffset + HEADER_LENGTH, MAC_LENGTH);
        java.util.Arrays.fill(dst, dstOffset + LENGTH, dstOffset + sectorLength, (byte) 0);
        return sectorLength;
    }

    /**
     * Checks the beat at {@code src[srcOffset, srcOffset + LENGTH)}, read from the sector of server
     * {@code owner}: structure, cluster, MAC (constant time), sender. On {@link Result#OK} the accessors describe
     * it; whether it is newer than the last one seen is for the caller.
     */
    public Result decode(final byte[] src, final int srcOffset, final int owner) {
        if (src.length - srcOffset < LENGTH) {
            throw new IllegalArgumentException("disk beat: " + (src.length - srcOffset) + " bytes, " + LENGTH
                + " needed");
        }
        final int magic = (int) U32.get(src, srcOffset + OFF_MAGIC);
        if (magic != MAGIC) {
            return magic == 0 ? Result.BLANK : Result.BAD_MAGIC;
        }
        if (src[srcOffset + OFF_VERSION] != VERSION) {
            return Result.BAD_VERSION;
        }
        if ((int) U32.get(src, srcOffset + OFF_CLUSTER) != clusterId) {
            return Result.FOREIGN_CLUSTER;
        }
        hmac.mac(src, srcOffset, HEADER_LENGTH, expectedMac, 0, MAC_LENGTH);
        if (!HmacSha256.constantTimeEquals(expectedMac, 0, src, srcOffset + HEADER_LENGTH, MAC_LENGTH)) {
            return Result.BAD_MAC;
        }
        final int sender = src[srcOffset + OFF_SENDER] & 0xff;
        if (sender != owner) {
            return Result.WRONG_SENDER;
        }
        flags = src[srcOffset + OFF_FLAGS] & 0xff;
        senderId = sender;
        serverState = src[srcOffset + OFF_STATE] & 0xff;
        incarnation = (long) U64.get(src, srcOffset + OFF_INCARNATION);
        sequence = (long) U64.get(src, srcOffset + OFF_SEQUENCE);
        heldGroups = (long) U64.get(src, srcOffset + OFF_GROUPS);
        return Result.OK;
    }

    /**
     * Whether (incarnation {@code inc}, sequence {@code seq}) comes after ({@code lastInc}, {@code lastSeq}):
     * a newer incarnation (unsigned, as boot incarnations are), or the same one with a higher sequence.
     */
    public static boolean newer(final long inc, final long seq, final long lastInc, final long lastSeq) {
        final int c = Long.compareUnsigned(inc, lastInc);
        return c > 0 || c == 0 && Long.compareUnsigned(seq, lastSeq) > 0;
    }

    /** The cluster id this codec writes and accepts. */
    public int clusterId() {
        return clusterId;
    }

    /** Flags of the last beat decoded OK. */
    public int flags() {
        return flags;
    }

    /** Sender id of the last beat decoded OK. */
    public int senderId() {
        return senderId;
    }

    /** Server state (ServerState ordinal) of the last beat decoded OK. */
    public int serverState() {
        return serverState;
    }

    /** Boot incarnation of the last beat decoded OK. */
    public long incarnation() {
        return incarnation;
    }

    /** Sequence of the last beat decoded OK. */
    public long sequence() {
        return sequence;
    }

    /** Held-groups bitmap of the last beat decoded OK. */
    public long heldGroups() {
        return heldGroups;
    }
}
