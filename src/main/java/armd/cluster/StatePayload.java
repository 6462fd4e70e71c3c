package armd.cluster;

import java.nio.ByteBuffer;

/**
 * The heartbeat payload: a {@link PeerSnapshot} in bytes. It travels inside the authenticated heartbeat
 * frame (sender and incarnation are in the frame's header, not here). Big-endian.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +---------------+---------------+---------------+---------------+
 * |  version = 3  | server state  |   groups (G)  |  servers (S)  |
 * +---------------+---------------+---------------+---------------+
 * | G x group (12 + ceil(E/2) bytes):                             |
 * |   record counter (32)                                         |
 * |   writer (8) | owner (8, -1 none) | mode (8) | start event (8) |
 * |   last stop (8, -1 none) | flags (8, bit0 failed) | exec (8) |  |
 * |   (exec: 0 offline, 1 starting, 2 online, 3 stopping,         |
 * |    4 recovering, 5 fencing)                                   |
 * |   E = servers with a resource error (8), then E server ids,   |
 * |   4 bits each, oldest last error first, low nibble first      |
 * +---------------------------------------------------------------+
 * | S x server (13 bytes): last executed op seq from that origin   |
 * |   (32), its result (8), the incarnation the sender last heard |
 * |   from that server (64, 0 never; its own for itself)          |
 * +---------------+-----------------------------------------------+
 * | ops (N <= 8)  | N x op (8 bytes): seq (32), op (8), group (8), |
 * |               |   server (8), executor (8)                    |
 * +---------------+-----------------------------------------------+
 * </pre>
 */
public final class StatePayload {
    /**
     * The payload format version: 3 adds each server's known incarnation (acks are about one incarnation; a
     * server whose state directory was lost learns the incarnation to continue above) and the fencing state.
     */
    public static final int VERSION = 3;
    private static final int PER_SERVER = 13;
    /** The largest payload: every group with 16 errors, 16 servers, 8 operations (fits one frame). */
    public static final int MAX_SIZE = 4 + ClusterNode.MAX_GROUPS * (12 + 8) + 16 * PER_SERVER + 1
        + ClusterNode.MAX_OUTSTANDING * 8;

    private StatePayload() {
    }

    /** Writes {@code s} at {@code buf}'s position; returns the number of bytes written. */
    public static int encode(final PeerSnapshot s, final ByteBuffer buf) {
        final int start = buf.position();
        buf.put((byte) VERSION).put((byte) s.state.ordinal()).put((byte) s.groups).put((byte) s.servers);
        for (int g = 0; g < s.groups; g++) {
            final GroupRecord r = s.records[g];
            buf.putInt((int) r.counter).put((byte) r.writer).put((byte) r.owner).put((byte) r.mode.ordinal())
                .put((byte) r.startEvent.ordinal()).put((byte) r.lastStop).put((byte) (r.failed ? 1 : 0))
                .put((byte) s.exec[g].ordinal()).put((byte) r.errorCount);
            for (int i = 0; i < r.errorCount; i += 2) {
                buf.put((byte) (r.errorOrder >>> (4 * i)));
            }
        }
        for (int o = 0; o < s.servers; o++) {
            buf.putInt(s.ackSeq[o]).put((byte) s.ackResult[o].ordinal()).putLong(s.known[o]);
        }
        buf.put((byte) s.commands);
        for (int i = 0; i < s.commands; i++) {
            buf.putInt(s.cmdSeq[i]).put((byte) s.cmdOp[i]).put((byte) s.cmdGroup[i]).put((byte) s.cmdServer[i])
                .put((byte) s.cmdExecutor[i]);
        }
        return buf.position() - start;
    }

    /**
     * Decodes {@code len} bytes at {@code buf}'s position into {@code s}; returns false (leaving {@code s}
     * unusable) when the bytes are not a valid payload of this version, or name a server or group id the format
     * cannot carry (the receiving node checks them against its own configuration).
     */
    public static boolean decode(final ByteBuffer buf, final int len, final PeerSnapshot s) {
        if (len < 5 || buf.remaining() < len) {
            return false;
        }
        final int start = buf.position();
        if (buf.get() != VERSION) {
            return false;
        }
        final ServerState st = ServerState.of(buf.get());
        final int groups = Byte.toUnsignedInt(buf.get());
        final int servers = Byte.toUnsignedInt(buf.get());
        if (st == null || groups > ClusterNode.MAX_GROUPS || servers > 16
            || len < 5 + groups * 12 + servers * PER_SERVER) {
            return false;
        }
        s.state = st;
        s.groups = groups;
        s.servers = servers;
        for (int g = 0; g < groups; g++) {
            final long counter = Integer.toUnsignedLong(buf.getInt());
            final int writer = buf.get();
            final int owner = buf.get();
            final GroupMode mode = GroupMode.of(buf.get());
            final ArmsEvent ev = ArmsEvent.of(buf.get());
            final int lastStop = buf.get();
            final boolean failed = (buf.get() & 1) != 0;
            final GroupExec ex = GroupExec.of(buf.get());
            final int errors = Byte.toUnsignedInt(buf.get());
            // the groups still to come need their 12 bytes too: else a long error list reads past len
            if (mode == null || !serverOrNone(writer) || !serverOrNone(owner) || !serverOrNone(lastStop) || errors > 16
                || buf.position() - start + (errors + 1) / 2 + (groups - g - 1) * 12 + servers * PER_SERVER + 1 > len) {
                return false;
            }
            long order = 0;
            for (int i = 0; i < errors; i += 2) {
                order |= (Byte.toUnsignedLong(buf.get()) << (4 * i));
            }
            s.records[g].set(counter, writer, owner, mode, ev, lastStop, failed);
            s.records[g].setErrors(errors, order);
            s.exec[g] = ex;
        }
        for (int o = 0; o < servers; o++) {
            s.ackSeq[o] = buf.getInt();
            s.ackResult[o] = OpResult.of(buf.get());
            s.known[o] = buf.getLong();
        }
        final int n = Byte.toUnsignedInt(buf.get());
        if (n > ClusterNode.MAX_OUTSTANDING || buf.position() - start + n * 8 > len) {
            return false;
        }
        s.commands = n;
        for (int i = 0; i < n; i++) {
            s.cmdSeq[i] = buf.getInt();
            s.cmdOp[i] = buf.get();
            s.cmdGroup[i] = buf.get();
            s.cmdServer[i] = buf.get();
            s.cmdExecutor[i] = buf.get();
            if (s.cmdGroup[i] < -1 || s.cmdGroup[i] >= ClusterNode.MAX_GROUPS || !serverOrNone(s.cmdServer[i])
                || !serverOrNone(s.cmdExecutor[i])) {
                return false;
            }
        }
        return true;
    }

    /** A server id the format can carry (0..15), or -1 for none. */
    private static boolean serverOrNone(final int id) {
        return id >= -1 && id < 16;
    }
}
