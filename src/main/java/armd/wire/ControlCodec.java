package armd.wire;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The control protocol's framing, mirroring {@code native/include/arm_protocol.h} (the protocol's single
 * definition; a test checks every constant here against it). Pure: bytes in, values out.
 *
 * <pre>
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                  magic = 0x41524D44 ("ARMD")                  |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |        version (= 1)          |        type                   |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |        flags                  |        status (0 in requests) |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                   payload length in bytes                     |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |  fields: each a 32-bit byte length, then UTF-8 without NUL    |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 * Big-endian throughout. Each type has a fixed field count ({@link #fieldCount}).
 */
public final class ControlCodec {
    public static final int PROTOCOL_MAGIC = 0x41524D44;
    public static final int PROTOCOL_VERSION = 1;
    public static final int HEADER_SIZE = 16;
    /** Header plus payload of one request. */
    public static final int MAX_REQUEST = 65536;
    public static final int MAX_RESPONSE_PAYLOAD = 1048576;
    public static final int MAX_FIELDS = 7;

    public static final int FLAG_JSON = 0x0001;

    public static final int REQ_CLUSTER_START = 0x0001;
    public static final int REQ_CLUSTER_SHUTDOWN = 0x0002;
    public static final int REQ_SERVER_SHUTDOWN = 0x0010;
    public static final int REQ_SERVER_LEAVE = 0x0011;
    public static final int REQ_SERVER_RETURN = 0x0012;
    public static final int REQ_GROUP_START = 0x0020;
    public static final int REQ_GROUP_STOP = 0x0021;
    public static final int REQ_GROUP_MOVE = 0x0022;
    public static final int REQ_GROUP_FAILOVER = 0x0023;
    public static final int REQ_STATUS = 0x0030;
    public static final int REQ_LOG = 0x0040;
    public static final int REQ_LOAD = 0x0041;
    public static final int REQ_KILL = 0x0042;
    public static final int REQ_DOWN = 0x0043;
    public static final int REQ_LSMNT = 0x0044;
    public static final int REQ_SUPER = 0x0050;
    public static final int RES_RESULT = 0x8001;
    public static final int RES_PROTOCOL_ERROR = 0x8002;

    public static final int ST_OK = 0;
    public static final int ST_REFUSED = 1;
    public static final int ST_FAULT = 2;
    public static final int ST_USAGE = 3;
    public static final int ST_UNKNOWN = 4;
    public static final int ST_SYSTEM = 5;
    public static final int ST_TIMEOUT = 6;
    public static final int ST_PROTOCOL = 7;

    public static final int EXIT_OK = 0;
    public static final int EXIT_FAULT = 1;
    public static final int EXIT_USAGE = 2;
    public static final int EXIT_SYSTEM = 3;
    public static final int EXIT_NO_AGENT = 4;

    private ControlCodec() {
    }

    /** A decoded header; {@code payloadLength} is unsigned and may exceed int range only as a malformed value. */
    public record Header(int magic, int version, int type, int flags, int status, long payloadLength) {
    }

    /** One message: header values and the fields of its payload. */
    public record Message(int type, int flags, int status, List<String> fields) {
        /** Copies {@code fields}. */
        public Message {
            fields = List.copyOf(fields);
        }
    }

    /** The bytes do not form a valid message; the message says what is wrong, for the one-line reply. */
    public static final class MalformedException extends Exception {
        private static final long serialVersionUID = 1L;

        /** {@code message} is one line, without a trailing period. */
        public MalformedException(final String message) {
            super(message);
        }
    }

    /** The field count of {@code type}, or -1 for an unknown type. */
    public static int fieldCount(final int type) {
        return switch (type) {
            case REQ_CLUSTER_START, REQ_CLUSTER_SHUTDOWN, REQ_STATUS, REQ_DOWN -> 0;
            case REQ_SERVER_SHUTDOWN, REQ_SERVER_LEAVE, REQ_SERVER_RETURN, REQ_GROUP_STOP, REQ_GROUP_FAILOVER,
                 REQ_LSMNT, RES_RESULT, RES_PROTOCOL_ERROR -> 1;
            case REQ_GROUP_START, REQ_GROUP_MOVE, REQ_SUPER -> 2;
            case REQ_LOG, REQ_KILL -> 3;
            case REQ_LOAD -> 7;
            default -> -1;
        };
    }

    /** The flags {@code type} accepts. */
    public static int allowedFlags(final int type) {
        return type == REQ_STATUS ? FLAG_JSON : 0;
    }

    /** Whether {@code type} is a request type. */
    public static boolean isRequest(final int type) {
        return type < 0x8000 && fieldCount(type) >= 0;
    }

    /** The exit code a command leaves with for {@code status} (arm_status_exit in C). */
    public static int exitCode(final int status) {
        return switch (status) {
            case ST_OK -> EXIT_OK;
            case ST_USAGE, ST_UNKNOWN -> EXIT_USAGE;
            case ST_SYSTEM, ST_PROTOCOL -> EXIT_SYSTEM;
            default -> EXIT_FAULT;
        };
    }

    /**
     * Reads the header at {@code buf}'s position (advancing it by {@link #HEADER_SIZE}), checking only the
     * magic: the caller checks the version (to answer with its own) and the length (its limits differ for
     * requests and responses).
     */
    public static Header decodeHeader(final ByteBuffer buf) throws MalformedException {
        if (buf.remaining() < HEADER_SIZE) {
            throw new MalformedException("truncated header: " + buf.remaining() + " of " + HEADER_SIZE + " bytes");
        }
        final int magic = buf.getInt();
        final int version = Short.toUnsignedInt(buf.getShort());
        final int type = Short.toUnsignedInt(buf.getShort());
        final int flags = Short.toUnsignedInt(buf.getShort());
        final int status = Short.toUnsignedInt(buf.getShort());
        final long length = Integer.toUnsignedLong(buf.getInt());
        if (magic != PROTOCOL_MAGIC) {
            throw new MalformedException(String.format("bad magic 0x%08x (not an armd control message)", magic));
        }
        return new Header(magic, version, type, flags, status, length);
    }

    /**
     * Checks a request header: version, type, flags, status and size. Called before reading the payload so
     * that an oversized request is refused without reading it.
     */
    public static void checkRequestHeader(final Header h) throws MalformedException {
        if (h.version() != PROTOCOL_VERSION) {
            throw new MalformedException("protocol version " + h.version() + " not supported (agent speaks "
                + PROTOCOL_VERSION + "): use the arm* commands of the installed armd");
        }
        if (!isRequest(h.type())) {
            throw new MalformedException(String.format("unknown request type 0x%04x", h.type()));
        }
        if ((h.flags() & ~allowedFlags(h.type())) != 0) {
            throw new MalformedException(String.format("unknown flags 0x%04x", h.flags()));
        }
        if (h.status() != 0) {
            throw new MalformedException("a request must have status 0");
        }
        if (h.payloadLength() > MAX_REQUEST - HEADER_SIZE) {
            throw new MalformedException("request of " + (h.payloadLength() + HEADER_SIZE) + " bytes exceeds "
                + MAX_REQUEST);
        }
    }

    /**
     * Decodes the payload of a message of {@code type}: exactly {@link #fieldCount} fields that fill
     * {@code payload}'s remaining bytes, each valid UTF-8 without NUL.
     */
    public static List<String> decodeFields(final int type, final ByteBuffer payload) throws MalformedException {
        final int expected = fieldCount(type);
        if (expected < 0) {
            throw new MalformedException(String.format("unknown type 0x%04x", type));
        }
        final List<String> fields = new ArrayList<>(expected);
        final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
        while (payload.hasRemaining()) {
            if (fields.size() == expected) {
                throw new MalformedException("more than " + expected + " fields for type "
                    + String.format("0x%04x", type));
            }
            if (payload.remaining() < 4) {
                throw new MalformedException("truncated field length");
            }
            final long len = Integer.toUnsignedLong(payload.getInt());
            if (len > payload.remaining()) {
                throw new MalformedException("field " + (fields.size() + 1) + " of " + len + " bytes overruns the "
                    + "payload");
            }
            final ByteBuffer bytes = payload.slice(payload.position(), (int) len);
            payload.position(payload.position() + (int) len);
            for (int i = 0; i < len; i++) {
                if (bytes.get(i) == 0) {
                    throw new MalformedException("NUL byte in field " + (fields.size() + 1));
                }
            }
            try {
                fields.add(utf8.decode(bytes).toString());
            } catch (CharacterCodingException e) {
                throw new MalformedException("field " + (fields.size() + 1) + " is not valid UTF-8");
            }
        }
        if (fields.size() != expected) {
            throw new MalformedException(fields.size() + " fields where type " + String.format("0x%04x", type)
                + " has " + expected);
        }
        return fields;
    }

    /** Decodes one whole message (header, then payload) from {@code buf}; no size limit beyond the buffer. */
    public static Message decode(final ByteBuffer buf) throws MalformedException {
        final Header h = decodeHeader(buf);
        if (h.version() != PROTOCOL_VERSION) {
            throw new MalformedException("protocol version " + h.version() + " not supported");
        }
        if (h.payloadLength() != buf.remaining()) {
            throw new MalformedException("payload length " + h.payloadLength() + " but " + buf.remaining()
                + " bytes follow the header");
        }
        return new Message(h.type(), h.flags(), h.status(), decodeFields(h.type(), buf));
    }

    /** Encodes {@code m} with the given {@code version} (tests use other versions; the agent uses its own). */
    public static byte[] encode(final Message m, final int version) {
        final List<byte[]> raw = new ArrayList<>(m.fields().size());
        int payload = 0;
        for (final String f : m.fields()) {
            final byte[] b = f.getBytes(StandardCharsets.UTF_8);
            raw.add(b);
            payload += 4 + b.length;
        }
        final ByteBuffer buf = ByteBuffer.allocate(HEADER_SIZE + payload);
        buf.putInt(PROTOCOL_MAGIC).putShort((short) version).putShort((short) m.type()).putShort((short) m.flags())
            .putShort((short) m.status()).putInt(payload);
        for (final byte[] b : raw) {
            buf.putInt(b.length).put(b);
        }
        return buf.array();
    }

    /** Encodes {@code m} in {@link #PROTOCOL_VERSION}. */
    public static byte[] encode(final Message m) {
        return encode(m, PROTOCOL_VERSION);
    }
}
