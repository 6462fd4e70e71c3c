package armd.wire;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The authenticated heartbeat envelope, version 1: encoder and flyweight decoder. All fields are big-endian.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |        magic 0xA12D           |  version (1)  |     type      |   0
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |     flags     |   sender id   |        payload length         |   4
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
 * |            payload (payload length bytes, opaque)             |  28
 * ~                                                               ~
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                                                               |  28 + payload length
 * +      MAC: HMAC-SHA256(cluster key, bytes 0 .. MAC), first     +
 * |      16 bytes                                                 |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 *
 * <ul>
 *   <li>type, flags and payload belong to the membership layer; this envelope carries them untouched.</li>
 *   <li>sender id: the server's position in the configuration, 0..15.</li>
 *   <li>cluster id: {@link #clusterId(String)}, the first 4 bytes of SHA-256 of the cluster name, so frames of
 *       another cluster on the same group and port are told apart (and counted) before the MAC.</li>
 *   <li>boot incarnation: chosen at agent start, strictly increasing across restarts; with the sequence it makes
 *       every authentic frame unique, so a replayed one is recognised.</li>
 *   <li>frame length is exactly 44 + payload length; at most {@link #MAX_FRAME_LENGTH} so it fits one Ethernet
 *       MTU (1500 - 20 IPv4 - 8 UDP = 1472, IPv6: 1452).</li>
 * </ul>
 *
 * <p>Not thread-safe: one instance per thread (it holds the MAC state and the last decoded frame).
 */
public final class HeartbeatFrame {
    public static final int MAGIC = 0xA12D;
    public static final int VERSION = 1;
    public static final int HEADER_LENGTH = 28;
    public static final int MAC_LENGTH = 16;
    public static final int MAX_PAYLOAD_LENGTH = 1400;
    public static final int MAX_FRAME_LENGTH = HEADER_LENGTH + MAX_PAYLOAD_LENGTH + MAC_LENGTH;
    /** Server ids are 0..15 (a cluster has at most 16 servers). */
    public static final int MAX_SENDER_ID = 15;
    /** The shortest cluster key accepted (128 bits). */
    public static final int MIN_KEY_LENGTH = 16;

    static final int OFF_MAGIC = 0;
    static final int OFF_VERSION = 2;
    static final int OFF_TYPE = 3;
    static final int OFF_FLAGS = 4;
    static final int OFF_SENDER = 5;
    static final int OFF_PAYLOAD_LENGTH = 6;
    static final int OFF_CLUSTER = 8;
    static final int OFF_INCARNATION = 12;
    static final int OFF_SEQUENCE = 20;

    private static final VarHandle U16 = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle U32 = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle U64 = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

    /** What became of a received frame; every value but {@link #OK} is a drop reason with its own counter. */
    public enum Result {
        /** Authentic, from a known sender, not seen before. */
        OK,
        /** Shorter than a header and a MAC, or than its payload length says. */
        TRUNCATED,
        /** Not a heartbeat frame. */
        BAD_MAGIC,
        /** A heartbeat of a version this build does not read. */
        BAD_VERSION,
        /** Another cluster's frame (different cluster name). */
        FOREIGN_CLUSTER,
        /** Longer than its payload length says, or a payload length over the maximum. */
        BAD_LENGTH,
        /** The MAC does not verify: forged, corrupted, or a different cluster key. */
        BAD_MAC,
        /** The sender id is not a configured peer (or is this server's own id); checked before the MAC. */
        UNKNOWN_SENDER,
        /** Authentic, but an older incarnation, or a sequence already seen or fallen behind the window. */
        REPLAY
    }

    private final HmacSha256 hmac;
    private final int clusterId;
    private final byte[] expectedMac = new byte[MAC_LENGTH];

    private byte[] buffer;
    private int offset;
    private int type;
    private int flags;
    private int senderId;
    private int payloadLength;
    private long incarnation;
    private long sequence;

    /** A codec for the cluster with {@code key} (at least {@link #MIN_KEY_LENGTH} bytes) and {@code clusterId}. */
    public HeartbeatFrame(final byte[] key, final int clusterId) {
        if (key.length < MIN_KEY_LENGTH) {
            throw new IllegalArgumentException("cluster key: " + key.length + " bytes, at least "
                + MIN_KEY_LENGTH + " needed");
        }
        this.hmac = new HmacSha256(key);
        this.clusterId = clusterId;
    }

    /** The cluster id of {@code clusterName}: the first 4 bytes of SHA-256 of its UTF-8 bytes, big-endian. */
    public static int clusterId(final String clusterName) {
        final byte[] h = HmacSha256.sha256().digest(clusterName.getBytes(StandardCharsets.UTF_8));
        return (int) U32.get(h, 0);
    }

    /** The frame length for a payload of {@code payloadLength} bytes. */
    public static int frameLength(final int payloadLength) {
        return HEADER_LENGTH + payloadLength + MAC_LENGTH;
    }

    /**
     * Writes a complete frame, MAC included, into {@code dst} at {@code dstOffset}; returns its length.
     * Throws IllegalArgumentException for a sender id over 15, a type or flags over 255, a payload over the
     * maximum, or a destination too small (programming errors, never data-dependent).
     */
    public int encode(final byte[] dst, final int dstOffset, final int frameType, final int frameFlags,
                      final int sender, final long frameIncarnation, final long frameSequence,
                      final byte[] payload, final int payloadOffset, final int length) {
        if (sender < 0 || sender > MAX_SENDER_ID || (frameType & ~0xff) != 0 || (frameFlags & ~0xff) != 0
            || length < 0 || length > MAX_PAYLOAD_LENGTH || dst.length - dstOffset < frameLength(length)) {
            throw new IllegalArgumentException("heartbeat frame: sender " + sender + ", type " + frameType
                + ", flags " + frameFlags + ", payload " + length + " bytes, room " + (dst.length - dstOffset));
        }
        U16.set(dst, dstOffset + OFF_MAGIC, (short) MAGIC);
        dst[dstOffset + OFF_VERSION] = (byte) VERSION;
        dst[dstOffset + OFF_TYPE] = (byte) frameType;
        dst[dstOffset + OFF_FLAGS] = (byte) frameFlags;
        dst[dstOffset + OFF_SENDER] = (byte) sender;
        U16.set(dst, dstOffset + OFF_PAYLOAD_LENGTH, (short) length);
        U32.set(dst, dstOffset + OFF_CLUSTER, clusterId);
        U64.set(dst, dstOffset + OFF_INCARNATION, frameIncarnation);
        U64.set(dst, dstOffset + OFF_SEQUENCE, frameSequence);
        System.arraycopy(payload, payloadOffset, dst, dstOffset + HEADER_LENGTH, length);
        final int macOffset = dstOffset + HEADER_LENGTH + length;
        hmac.mac(dst, dstOffset, macOffset - dstOffset, dst, macOffset, MAC_LENGTH);
        return macOffset + MAC_LENGTH - dstOffset;
    }

    /**
     * Checks the frame in {@code src[srcOffset, srcOffset + length)}: structure, cluster, sender (bit i of
     * {@code senderMask} set: server i is a peer), then the MAC (constant time). On {@link Result#OK} the
     * accessors describe the frame (the payload stays in {@code src}); replay is for the caller's window.
     */
    public Result decode(final byte[] src, final int srcOffset, final int length, final int senderMask) {
        final Result r = check(src, srcOffset, length, senderMask);
        return r == Result.OK ? verify() : r;
    }

    /**
     * The cheap part of {@link #decode}, without the MAC: structure, cluster id and sender. On {@link Result#OK}
     * the accessors describe the frame, which is <em>not yet authenticated</em>: a caller may drop it on what
     * they say (a sequence already seen) but may act on it only after {@link #verify()}. Garbage that fails here
     * costs a few comparisons, not an HMAC.
     */
    public Result check(final byte[] src, final int srcOffset, final int length, final int senderMask) {
        buffer = src;
        offset = srcOffset;
        if (length < HEADER_LENGTH + MAC_LENGTH) {
            return length >= 2 && Short.toUnsignedInt((short) U16.get(src, srcOffset)) != MAGIC
                ? Result.BAD_MAGIC : Result.TRUNCATED;
        }
        if (Short.toUnsignedInt((short) U16.get(src, srcOffset + OFF_MAGIC)) != MAGIC) {
            return Result.BAD_MAGIC;
        }
        if (src[srcOffset + OFF_VERSION] != VERSION) {
            return Result.BAD_VERSION;
        }
        if ((int) U32.get(src, srcOffset + OFF_CLUSTER) != clusterId) {
            return Result.FOREIGN_CLUSTER;
        }
        final int declared = Short.toUnsignedInt((short) U16.get(src, srcOffset + OFF_PAYLOAD_LENGTH));
        if (declared > MAX_PAYLOAD_LENGTH) {
            return Result.BAD_LENGTH;
        }
        if (length < frameLength(declared)) {
            return Result.TRUNCATED;
        }
        if (length > frameLength(declared)) {
            return Result.BAD_LENGTH;
        }
        final int sender = src[srcOffset + OFF_SENDER] & 0xff;
        if (sender > MAX_SENDER_ID || (senderMask & (1 << sender)) == 0) {
            return Result.UNKNOWN_SENDER;
        }
        type = src[srcOffset + OFF_TYPE] & 0xff;
        flags = src[srcOffset + OFF_FLAGS] & 0xff;
        senderId = sender;
        payloadLength = declared;
        incarnation = (long) U64.get(src, srcOffset + OFF_INCARNATION);
        sequence = (long) U64.get(src, srcOffset + OFF_SEQUENCE);
        return Result.OK;
    }

    /** The MAC of the frame {@link #check} last passed: {@link Result#OK} or {@link Result#BAD_MAC}. */
    public Result verify() {
        final int macOffset = offset + HEADER_LENGTH + payloadLength;
        hmac.mac(buffer, offset, macOffset - offset, expectedMac, 0, MAC_LENGTH);
        return HmacSha256.constantTimeEquals(expectedMac, 0, buffer, macOffset, MAC_LENGTH) ? Result.OK
            : Result.BAD_MAC;
    }

    /** The cluster id this codec writes and accepts. */
    public int clusterId() {
        return clusterId;
    }

    /** Type of the last frame decoded OK. */
    public int type() {
        return type;
    }

    /** Flags of the last frame decoded OK. */
    public int flags() {
        return flags;
    }

    /** Sender id of the last frame decoded OK. */
    public int senderId() {
        return senderId;
    }

    /** Boot incarnation of the last frame decoded OK. */
    public long incarnation() {
        return incarnation;
    }

    /** Sequence of the last frame decoded OK. */
    public long sequence() {
        return sequence;
    }

    /** The array holding the last frame decoded. */
    public byte[] buffer() {
        return buffer;
    }

    /** Where the payload of the last frame decoded OK starts in {@link #buffer()}. */
    public int payloadOffset() {
        return offset + HEADER_LENGTH;
    }

    /** Payload length of the last frame decoded OK. */
    public int payloadLength() {
        return payloadLength;
    }
}
