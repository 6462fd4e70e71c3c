package armd.wire;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The super cluster's datagram (docs/behaviour.md#super-cluster), version 1: encoder and total decoder. One UDP
 * datagram is one frame. All integers are big-endian.
 *
 * <pre>
 *  offset  size  field
 *       0     4  magic "ARSC"
 *       4     1  version (1)
 *       5     1  type ({@link Type#code()})
 *       6     1  sender name length (1..32)
 *       7     1  zero
 *       8     8  super cluster id ({@link #superClusterId(String)})
 *      16     8  nonce (a request's; an answer echoes it)
 *      24     n  sender name (UTF-8)
 *  24 + n     b  body (by type, below)
 *   end-32   32  MAC: HMAC-SHA256(super key, every byte before it)
 * </pre>
 *
 * <p>Body fields: a name is u8 length + UTF-8 (at most 64 bytes, may be empty where it says "or empty"); a text
 * is u16 length + UTF-8 (at most {@link #MAX_TEXT_LENGTH}); a version is an i64, positive (0 only where it means
 * "none"); a sha256 is 32 bytes; a configuration is u32 length + bytes (at most {@link #MAX_CONFIG_LENGTH}).
 * <ul>
 *   <li>HELLO: flags u8 (bit 0 established), votes-for name (or empty), count u8, count x (cluster name,
 *       version, sha256) -- the sender's committed versions.</li>
 *   <li>VOTE: granted u8 (0/1), votes-for name (or empty), count u8 and committed versions as in HELLO (what the
 *       voter stored when it answered: the candidate syncs to them before it accepts changes).</li>
 *   <li>FETCH: cluster, have version (0: none), have sha256 (zeros: none).</li>
 *   <li>CONFIG: cluster, version, sha256, configuration. NOT_HOLDER: cluster, holder name (or empty).
 *       NONE: cluster. CURRENT: cluster, version.</li>
 *   <li>PUSH: cluster, base version (0: no check), configuration.</li>
 *   <li>PUSH_RESULT: cluster, outcome u8 ({@link Outcome}), version, stored u8, masters u8, holder name (or
 *       empty), reason text.</li>
 *   <li>REPLICATE: cluster, version, sha256, configuration. STORED: cluster, version, ok u8, stored version
 *       (what the answering server holds now; 0: none).</li>
 * </ul>
 * A body must end exactly where the MAC starts; the sha256 of a configuration must be that of its bytes.
 *
 * <p>Immutable and thread-safe (every call uses its own MAC state).
 */
public final class SuperFrame {
    /** The first four bytes of every frame: "ARSC". */
    public static final int MAGIC = 0x41525343;
    public static final int VERSION = 1;
    public static final int HEADER_LENGTH = 24;
    public static final int MAC_LENGTH = HmacSha256.MAC_LENGTH;
    /** The largest datagram sent or accepted. */
    public static final int MAX_FRAME_LENGTH = 65_000;
    /** The largest configuration carried in one frame (60 KiB). */
    public static final int MAX_CONFIG_LENGTH = 60 * 1024;
    /** The longest sender name (UTF-8 bytes). */
    public static final int MAX_SENDER_LENGTH = 32;
    /** The longest name in a body (a cluster or server name, UTF-8 bytes). */
    public static final int MAX_NAME_LENGTH = 64;
    /** The longest text in a body (a refusal's reason, UTF-8 bytes). */
    public static final int MAX_TEXT_LENGTH = 4096;
    /** The most committed versions in a HELLO or VOTE (a super cluster has at most 32 clusters). */
    public static final int MAX_COMMITTED = 64;
    /** The shortest super key accepted (128 bits). */
    public static final int MIN_KEY_LENGTH = 16;
    public static final int SHA256_LENGTH = 32;

    /** The frame types with their codes on the wire. */
    public enum Type {
        HELLO(1), VOTE(2), FETCH(3), CONFIG(4), NOT_HOLDER(5), NONE(6), CURRENT(7), PUSH(8), PUSH_RESULT(9),
        REPLICATE(10), STORED(11);

        private final int code;

        Type(final int code) {
            this.code = code;
        }

        /** The type's byte on the wire. */
        public int code() {
            return code;
        }

        /** The type of {@code code}, or null. */
        static Type of(final int code) {
            for (final Type t : values()) {
                if (t.code == code) {
                    return t;
                }
            }
            return null;
        }
    }

    /** Why a datagram was dropped. */
    public enum Reason {
        /** Shorter than a header, its sender and a MAC. */
        TRUNCATED,
        /** Not a super cluster frame. */
        BAD_MAGIC,
        /** A super cluster frame of a version this build does not read. */
        BAD_VERSION,
        /** Another super cluster's frame (different name). */
        FOREIGN,
        /** Longer than {@link #MAX_FRAME_LENGTH}. */
        OVERSIZE,
        /** The MAC does not verify: forged, corrupted, or another key. */
        BAD_MAC,
        /** Authentic but not well-formed (unknown type, bad lengths, bad UTF-8, bad sha256): a bug or a newer peer. */
        MALFORMED
    }

    /** How a push ended, as the management server answers it. */
    public enum Outcome {
        /** Stored on a strict majority of the master servers. */
        ACCEPTED(1),
        /** Stored here but not confirmed by a majority within the timeout: it may still take effect. */
        NOT_CONFIRMED(2),
        /** Refused: this server is not the management server (the holder it knows is named). */
        NOT_HOLDER(3),
        /** Refused: the management server does not hold leases from a majority of the master servers. */
        NO_MAJORITY(4),
        /** Refused: the configuration has problems (the reason lists them). */
        INVALID(5),
        /** Refused: the configuration was made against an older version than the stored one. */
        STALE_BASE(6),
        /** Refused: bigger than one frame carries. */
        TOO_BIG(7);

        private final int code;

        Outcome(final int code) {
            this.code = code;
        }

        /** The outcome's byte on the wire. */
        public int code() {
            return code;
        }

        static Outcome of(final int code) {
            for (final Outcome o : values()) {
                if (o.code == code) {
                    return o;
                }
            }
            return null;
        }
    }

    /** The typed part of a frame. Byte arrays in bodies are not copied: treat them as read-only. */
    public sealed interface Body permits Hello, Vote, Fetch, Config, NotHolder, None, Current, Push, PushResult,
        Replicate, Stored {
        /** The frame type of this body. */
        Type type();
    }

    /** One cluster's committed version as a master server stores it. */
    public record Committed(String cluster, long version, byte[] sha256) {
        @Override
        public boolean equals(final Object o) {
            return o instanceof Committed c && c.cluster.equals(cluster) && c.version == version
                && Arrays.equals(c.sha256, sha256);
        }

        @Override
        public int hashCode() {
            return cluster.hashCode() * 31 + Long.hashCode(version);
        }

        @Override
        public String toString() {
            return cluster + "@" + version;
        }
    }

    /** A master server's periodic announcement; {@code votesFor} is "" when it votes for nobody. */
    public record Hello(List<Committed> committed, boolean established, String votesFor) implements Body {
        public Hello {
            committed = List.copyOf(committed);
        }

        @Override
        public Type type() {
            return Type.HELLO;
        }
    }

    /** The answer to a HELLO: whether the vote is granted to its sender, whom the voter votes for, its store. */
    public record Vote(boolean granted, String votesFor, List<Committed> committed) implements Body {
        public Vote {
            committed = List.copyOf(committed);
        }

        @Override
        public Type type() {
            return Type.VOTE;
        }
    }

    /**
     * A request for a cluster's configuration newer than {@code haveVersion} (0: none held), or of the same version
     * with other bytes than {@code haveSha256} (the management server's copy wins: a push that was not confirmed
     * may have left other bytes under that number); {@code haveSha256} is 32 zero bytes when nothing is held.
     */
    public record Fetch(String cluster, long haveVersion, byte[] haveSha256) implements Body {
        /** A fetch that holds nothing to compare bytes with. */
        public Fetch(final String cluster, final long haveVersion) {
            this(cluster, haveVersion, new byte[SHA256_LENGTH]);
        }

        @Override
        public boolean equals(final Object o) {
            return o instanceof Fetch f && f.cluster.equals(cluster) && f.haveVersion == haveVersion
                && Arrays.equals(f.haveSha256, haveSha256);
        }

        @Override
        public int hashCode() {
            return cluster.hashCode() * 31 + Long.hashCode(haveVersion);
        }

        @Override
        public String toString() {
            return "Fetch[" + cluster + ", " + haveVersion + "]";
        }

        @Override
        public Type type() {
            return Type.FETCH;
        }
    }

    /** A configuration: the answer to a FETCH. */
    public record Config(String cluster, long version, byte[] sha256, byte[] bytes) implements Body {
        @Override
        public Type type() {
            return Type.CONFIG;
        }

        @Override
        public boolean equals(final Object o) {
            return o instanceof Config c && c.cluster.equals(cluster) && c.version == version
                && Arrays.equals(c.sha256, sha256) && Arrays.equals(c.bytes, bytes);
        }

        @Override
        public int hashCode() {
            return cluster.hashCode() * 31 + Long.hashCode(version);
        }

        @Override
        public String toString() {
            return "Config[" + cluster + "@" + version + ", " + bytes.length + " bytes]";
        }
    }

    /** The answer of a server that is not the management server; {@code holder} is "" when it knows none. */
    public record NotHolder(String cluster, String holder) implements Body {
        @Override
        public Type type() {
            return Type.NOT_HOLDER;
        }
    }

    /** No configuration of the cluster is stored. */
    public record None(String cluster) implements Body {
        @Override
        public Type type() {
            return Type.NONE;
        }
    }

    /** The asker's version is the newest. */
    public record Current(String cluster, long version) implements Body {
        @Override
        public Type type() {
            return Type.CURRENT;
        }
    }

    /** An operator's change: a whole configuration made against {@code baseVersion} (0: no check). */
    public record Push(String cluster, long baseVersion, byte[] bytes) implements Body {
        @Override
        public Type type() {
            return Type.PUSH;
        }

        @Override
        public boolean equals(final Object o) {
            return o instanceof Push p && p.cluster.equals(cluster) && p.baseVersion == baseVersion
                && Arrays.equals(p.bytes, bytes);
        }

        @Override
        public int hashCode() {
            return cluster.hashCode() * 31 + Long.hashCode(baseVersion);
        }

        @Override
        public String toString() {
            return "Push[" + cluster + " on " + baseVersion + ", " + bytes.length + " bytes]";
        }
    }

    /**
     * How a push ended: {@code version} is the new version (ACCEPTED, NOT_CONFIRMED) or the stored one (STALE_BASE),
     * else 0; {@code stored} of {@code masters} master servers stored it; {@code holder} names the management
     * server the answering server knows ("" if none); {@code reason} is the line(s) to show.
     */
    public record PushResult(String cluster, Outcome outcome, long version, int stored, int masters, String holder,
                             String reason) implements Body {
        @Override
        public Type type() {
            return Type.PUSH_RESULT;
        }
    }

    /** The management server's copy of an accepted change for a master server to store. */
    public record Replicate(String cluster, long version, byte[] sha256, byte[] bytes) implements Body {
        @Override
        public Type type() {
            return Type.REPLICATE;
        }

        @Override
        public boolean equals(final Object o) {
            return o instanceof Replicate r && r.cluster.equals(cluster) && r.version == version
                && Arrays.equals(r.sha256, sha256) && Arrays.equals(r.bytes, bytes);
        }

        @Override
        public int hashCode() {
            return cluster.hashCode() * 31 + Long.hashCode(version);
        }

        @Override
        public String toString() {
            return "Replicate[" + cluster + "@" + version + ", " + bytes.length + " bytes]";
        }
    }

    /**
     * The answer to a REPLICATE: {@code ok} when the version is stored there now (written, or already there with
     * the same bytes); else refused, and {@code storedVersion} is what it holds (0: none).
     */
    public record Stored(String cluster, long version, boolean ok, long storedVersion) implements Body {
        @Override
        public Type type() {
            return Type.STORED;
        }
    }

    /** A whole frame: who sent it, the request's nonce, its body. */
    public record Frame(String sender, long nonce, Body body) {
    }

    /** What a datagram decodes to: a frame, or the reason it was dropped (with a detail for MALFORMED). */
    public record Decoded(Frame frame, Reason reason, String detail) {
        /** Whether a frame came out. */
        public boolean ok() {
            return frame != null;
        }

        static Decoded drop(final Reason reason, final String detail) {
            return new Decoded(null, reason, detail);
        }
    }

    private static final int OFF_VERSION = 4;
    private static final int OFF_TYPE = 5;
    private static final int OFF_SENDER_LENGTH = 6;
    private static final int OFF_ZERO = 7;
    private static final int OFF_SUPER = 8;
    private static final int OFF_NONCE = 16;

    private final byte[] key;
    private final long superClusterId;

    /** A codec for the super cluster with {@code key} (at least {@link #MIN_KEY_LENGTH} bytes) and id. */
    public SuperFrame(final byte[] key, final long superClusterId) {
        if (key.length < MIN_KEY_LENGTH) {
            throw new IllegalArgumentException("super cluster key: " + key.length + " bytes, at least "
                + MIN_KEY_LENGTH + " needed");
        }
        this.key = key.clone();
        this.superClusterId = superClusterId;
    }

    /** The codec of the super cluster named {@code superClusterName} with {@code key}. */
    public static SuperFrame of(final byte[] key, final String superClusterName) {
        return new SuperFrame(key, superClusterId(superClusterName));
    }

    /** The id of the super cluster named {@code name}: the first 8 bytes of SHA-256 of its UTF-8 bytes. */
    public static long superClusterId(final String name) {
        final byte[] h = HmacSha256.sha256().digest(name.getBytes(StandardCharsets.UTF_8));
        return ByteBuffer.wrap(h).getLong();
    }

    /** SHA-256 of {@code bytes}. */
    public static byte[] sha256(final byte[] bytes) {
        return HmacSha256.sha256().digest(bytes);
    }

    /** The id this codec writes and accepts. */
    public long superClusterId() {
        return superClusterId;
    }

    /**
     * The datagram of {@code frame}. Throws IllegalArgumentException when it does not fit the format (a name too
     * long, a configuration over {@link #MAX_CONFIG_LENGTH}, a sha256 that is not the bytes', a negative version):
     * a caller checks data from outside (a pushed file's size) before it builds a frame.
     */
    public byte[] encode(final Frame frame) {
        final Writer w = new Writer();
        w.u32(MAGIC);
        w.u8(VERSION);
        w.u8(frame.body().type().code());
        final byte[] sender = utf8(frame.sender());
        if (sender.length < 1 || sender.length > MAX_SENDER_LENGTH) {
            throw new IllegalArgumentException("super frame: sender name of " + sender.length + " bytes");
        }
        w.u8(sender.length);
        w.u8(0);
        w.u64(superClusterId);
        w.u64(frame.nonce());
        w.bytes(sender);
        writeBody(w, frame.body());
        if (w.length() + MAC_LENGTH > MAX_FRAME_LENGTH) {
            throw new IllegalArgumentException("super frame: " + (w.length() + MAC_LENGTH) + " bytes, at most "
                + MAX_FRAME_LENGTH);
        }
        final byte[] out = Arrays.copyOf(w.array(), w.length() + MAC_LENGTH);
        new HmacSha256(key).mac(out, 0, w.length(), out, w.length(), MAC_LENGTH);
        return out;
    }

    /** Decodes the whole of {@code src}. */
    public Decoded decode(final byte[] src) {
        return decode(src, 0, src.length);
    }

    /**
     * Decodes {@code src[offset, offset + length)}: structure, super cluster, then the MAC (constant time), and
     * only then the body. Never throws for any content of the range.
     */
    public Decoded decode(final byte[] src, final int offset, final int length) {
        if (length > MAX_FRAME_LENGTH) {
            return Decoded.drop(Reason.OVERSIZE, length + " bytes");
        }
        final ByteBuffer b = ByteBuffer.wrap(src, offset, length).slice().order(ByteOrder.BIG_ENDIAN);
        if (length < 4) {
            return Decoded.drop(prefixOfMagic(b, length) ? Reason.TRUNCATED : Reason.BAD_MAGIC, length + " bytes");
        }
        if (b.getInt(0) != MAGIC) {
            return Decoded.drop(Reason.BAD_MAGIC, null);
        }
        if (length < OFF_VERSION + 1) {
            return Decoded.drop(Reason.TRUNCATED, length + " bytes");
        }
        if (b.get(OFF_VERSION) != VERSION) {
            return Decoded.drop(Reason.BAD_VERSION, "version " + (b.get(OFF_VERSION) & 0xff));
        }
        if (length < HEADER_LENGTH) {
            return Decoded.drop(Reason.TRUNCATED, length + " bytes");
        }
        if (b.getLong(OFF_SUPER) != superClusterId) {
            return Decoded.drop(Reason.FOREIGN, null);
        }
        final int senderLength = b.get(OFF_SENDER_LENGTH) & 0xff;
        if (length < HEADER_LENGTH + senderLength + MAC_LENGTH) {
            return Decoded.drop(Reason.TRUNCATED, length + " bytes");
        }
        final int macOffset = length - MAC_LENGTH;
        final byte[] expected = new byte[MAC_LENGTH];
        new HmacSha256(key).mac(src, offset, macOffset, expected, 0, MAC_LENGTH);
        if (!HmacSha256.constantTimeEquals(expected, 0, src, offset + macOffset, MAC_LENGTH)) {
            return Decoded.drop(Reason.BAD_MAC, null);
        }
        // authentic from here on: what remains wrong is a bug or a newer peer, told as MALFORMED
        final Type type = Type.of(b.get(OFF_TYPE) & 0xff);
        if (type == null) {
            return Decoded.drop(Reason.MALFORMED, "unknown type " + (b.get(OFF_TYPE) & 0xff));
        }
        if (b.get(OFF_ZERO) != 0 || senderLength < 1 || senderLength > MAX_SENDER_LENGTH) {
            return Decoded.drop(Reason.MALFORMED, "bad header");
        }
        final long nonce = b.getLong(OFF_NONCE);
        b.limit(macOffset).position(HEADER_LENGTH);
        try {
            final String sender = text(b, senderLength);
            final Body body = readBody(b, type);
            if (b.hasRemaining()) {
                return Decoded.drop(Reason.MALFORMED, type + ": " + b.remaining() + " bytes after the body");
            }
            return new Decoded(new Frame(sender, nonce, body), null, null);
        } catch (Malformed e) {
            return Decoded.drop(Reason.MALFORMED, type + ": " + e.getMessage());
        }
    }

    private static boolean prefixOfMagic(final ByteBuffer b, final int length) {
        for (int i = 0; i < length; i++) {
            if ((b.get(i) & 0xff) != ((MAGIC >>> (24 - 8 * i)) & 0xff)) {
                return false;
            }
        }
        return true;
    }

    private static void writeBody(final Writer w, final Body body) {
        switch (body) {
            case Hello h -> {
                w.u8(h.established() ? 1 : 0);
                w.name(h.votesFor(), true);
                w.committed(h.committed());
            }
            case Vote v -> {
                w.u8(v.granted() ? 1 : 0);
                w.name(v.votesFor(), true);
                w.committed(v.committed());
            }
            case Fetch f -> {
                w.name(f.cluster(), false);
                w.version(f.haveVersion(), true);
                w.sha(f.haveSha256());
            }
            case Config c -> w.copy(c.cluster(), c.version(), c.sha256(), c.bytes());
            case NotHolder n -> {
                w.name(n.cluster(), false);
                w.name(n.holder(), true);
            }
            case None n -> w.name(n.cluster(), false);
            case Current c -> {
                w.name(c.cluster(), false);
                w.version(c.version(), true);
            }
            case Push p -> {
                w.name(p.cluster(), false);
                w.version(p.baseVersion(), true);
                w.config(p.bytes());
            }
            case PushResult r -> {
                w.name(r.cluster(), false);
                w.u8(r.outcome().code());
                w.version(r.version(), true);
                w.count(r.stored());
                w.count(r.masters());
                w.name(r.holder(), true);
                w.text(r.reason());
            }
            case Replicate r -> w.copy(r.cluster(), r.version(), r.sha256(), r.bytes());
            case Stored s -> {
                w.name(s.cluster(), false);
                w.version(s.version(), false);
                w.u8(s.ok() ? 1 : 0);
                w.version(s.storedVersion(), true);
            }
        }
    }

    private static Body readBody(final ByteBuffer b, final Type type) throws Malformed {
        return switch (type) {
            case HELLO -> {
                final int flags = u8(b);
                if ((flags & ~1) != 0) {
                    throw new Malformed("flags " + flags);
                }
                final String votesFor = name(b, true);
                yield new Hello(committed(b), flags == 1, votesFor);
            }
            case VOTE -> {
                final boolean granted = bool(b);
                final String votesFor = name(b, true);
                yield new Vote(granted, votesFor, committed(b));
            }
            case FETCH -> new Fetch(name(b, false), version(b, true), bytes(b, SHA256_LENGTH));
            case CONFIG -> {
                final Copy c = copy(b);
                yield new Config(c.cluster, c.version, c.sha256, c.bytes);
            }
            case NOT_HOLDER -> new NotHolder(name(b, false), name(b, true));
            case NONE -> new None(name(b, false));
            case CURRENT -> new Current(name(b, false), version(b, true));
            case PUSH -> new Push(name(b, false), version(b, true), config(b));
            case PUSH_RESULT -> {
                final String cluster = name(b, false);
                final Outcome outcome = Outcome.of(u8(b));
                if (outcome == null) {
                    throw new Malformed("unknown outcome");
                }
                yield new PushResult(cluster, outcome, version(b, true), u8(b), u8(b), name(b, true), text16(b));
            }
            case REPLICATE -> {
                final Copy c = copy(b);
                yield new Replicate(c.cluster, c.version, c.sha256, c.bytes);
            }
            case STORED -> new Stored(name(b, false), version(b, false), bool(b), version(b, true));
        };
    }

    /** A configuration with its identity, as CONFIG and REPLICATE carry it. */
    private record Copy(String cluster, long version, byte[] sha256, byte[] bytes) {
    }

    private static Copy copy(final ByteBuffer b) throws Malformed {
        final String cluster = name(b, false);
        final long version = version(b, false);
        final byte[] sha = bytes(b, SHA256_LENGTH);
        final byte[] bytes = config(b);
        if (!MessageDigest.isEqual(sha, sha256(bytes))) {
            throw new Malformed("sha256 is not the configuration's");
        }
        return new Copy(cluster, version, sha, bytes);
    }

    private static List<Committed> committed(final ByteBuffer b) throws Malformed {
        final int count = u8(b);
        if (count > MAX_COMMITTED) {
            throw new Malformed(count + " committed versions");
        }
        final List<Committed> list = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            list.add(new Committed(name(b, false), version(b, false), bytes(b, SHA256_LENGTH)));
        }
        return list;
    }

    private static int u8(final ByteBuffer b) throws Malformed {
        need(b, 1);
        return b.get() & 0xff;
    }

    private static boolean bool(final ByteBuffer b) throws Malformed {
        final int v = u8(b);
        if (v > 1) {
            throw new Malformed("flag " + v);
        }
        return v == 1;
    }

    private static long version(final ByteBuffer b, final boolean zeroAllowed) throws Malformed {
        need(b, 8);
        final long v = b.getLong();
        if (v < 0 || v == 0 && !zeroAllowed) {
            throw new Malformed("version " + v);
        }
        return v;
    }

    private static String name(final ByteBuffer b, final boolean emptyAllowed) throws Malformed {
        final int n = u8(b);
        if (n > MAX_NAME_LENGTH || n == 0 && !emptyAllowed) {
            throw new Malformed("name of " + n + " bytes");
        }
        return text(b, n);
    }

    private static String text16(final ByteBuffer b) throws Malformed {
        need(b, 2);
        final int n = Short.toUnsignedInt(b.getShort());
        if (n > MAX_TEXT_LENGTH) {
            throw new Malformed("text of " + n + " bytes");
        }
        return text(b, n);
    }

    private static byte[] config(final ByteBuffer b) throws Malformed {
        need(b, 4);
        final int n = b.getInt();
        if (n < 0 || n > MAX_CONFIG_LENGTH) {
            throw new Malformed("configuration of " + Integer.toUnsignedString(n) + " bytes");
        }
        return bytes(b, n);
    }

    private static byte[] bytes(final ByteBuffer b, final int n) throws Malformed {
        need(b, n);
        final byte[] out = new byte[n];
        b.get(out);
        return out;
    }

    private static String text(final ByteBuffer b, final int n) throws Malformed {
        need(b, n);
        final ByteBuffer slice = b.slice(b.position(), n);
        b.position(b.position() + n);
        try {
            final CharBuffer chars = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(slice);
            return chars.toString();
        } catch (CharacterCodingException e) {
            throw new Malformed("not UTF-8");
        }
    }

    private static void need(final ByteBuffer b, final int n) throws Malformed {
        if (b.remaining() < n) {
            throw new Malformed("ends early");
        }
    }

    private static byte[] utf8(final String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** A body that is not well-formed; caught in {@link #decode} (never escapes). */
    private static final class Malformed extends Exception {
        private static final long serialVersionUID = 1L;

        Malformed(final String message) {
            super(message, null, false, false);
        }
    }

    /** A growing big-endian buffer whose writes check the format's limits (encoding errors are the caller's). */
    private static final class Writer {
        private byte[] buf = new byte[256];
        private int len;

        byte[] array() {
            return buf;
        }

        int length() {
            return len;
        }

        private void room(final int n) {
            if (len + n > buf.length) {
                buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + n));
            }
        }

        void u8(final int v) {
            room(1);
            buf[len++] = (byte) v;
        }

        void u32(final int v) {
            room(4);
            ByteBuffer.wrap(buf, len, 4).putInt(v);
            len += 4;
        }

        void u64(final long v) {
            room(8);
            ByteBuffer.wrap(buf, len, 8).putLong(v);
            len += 8;
        }

        void bytes(final byte[] b) {
            room(b.length);
            System.arraycopy(b, 0, buf, len, b.length);
            len += b.length;
        }

        void count(final int v) {
            if (v < 0 || v > 255) {
                throw new IllegalArgumentException("super frame: count " + v);
            }
            u8(v);
        }

        void version(final long v, final boolean zeroAllowed) {
            if (v < 0 || v == 0 && !zeroAllowed) {
                throw new IllegalArgumentException("super frame: version " + v);
            }
            u64(v);
        }

        void name(final String s, final boolean emptyAllowed) {
            final byte[] b = utf8(s);
            if (b.length > MAX_NAME_LENGTH || b.length == 0 && !emptyAllowed) {
                throw new IllegalArgumentException("super frame: name '" + s + "'");
            }
            u8(b.length);
            bytes(b);
        }

        void text(final String s) {
            final byte[] b = utf8(s);
            if (b.length > MAX_TEXT_LENGTH) {
                throw new IllegalArgumentException("super frame: text of " + b.length + " bytes");
            }
            room(2);
            ByteBuffer.wrap(buf, len, 2).putShort((short) b.length);
            len += 2;
            bytes(b);
        }

        void config(final byte[] b) {
            if (b.length > MAX_CONFIG_LENGTH) {
                throw new IllegalArgumentException("super frame: configuration of " + b.length + " bytes, at most "
                    + MAX_CONFIG_LENGTH);
            }
            u32(b.length);
            bytes(b);
        }

        void committed(final List<Committed> list) {
            if (list.size() > MAX_COMMITTED) {
                throw new IllegalArgumentException("super frame: " + list.size() + " committed versions");
            }
            u8(list.size());
            for (final Committed c : list) {
                name(c.cluster(), false);
                version(c.version(), false);
                sha(c.sha256());
            }
        }

        void sha(final byte[] sha) {
            if (sha.length != SHA256_LENGTH) {
                throw new IllegalArgumentException("super frame: sha256 of " + sha.length + " bytes");
            }
            bytes(sha);
        }

        void copy(final String cluster, final long version, final byte[] sha, final byte[] bytes) {
            name(cluster, false);
            version(version, false);
            sha(sha);
            config(bytes);
            if (!MessageDigest.isEqual(sha, sha256(bytes))) {
                throw new IllegalArgumentException("super frame: sha256 is not the configuration's");
            }
        }
    }
}
