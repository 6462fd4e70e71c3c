package armd.wire;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * SCSI PERSISTENT RESERVE IN and OUT (SPC-4 6.15, 6.16): the command descriptor blocks, the OUT parameter list and
 * the IN data of READ KEYS and READ RESERVATION. This is fence_scsi's method: every server registers its own key
 * on the shared disk and one holds a WRITE EXCLUSIVE, REGISTRANTS ONLY reservation; a survivor removes a dead
 * server's key with PREEMPT (AND ABORT), after which the device refuses the dead server's writes with RESERVATION
 * CONFLICT, whatever that server still believes.
 *
 * <pre>
 * PERSISTENT RESERVE IN (10 bytes)            PERSISTENT RESERVE OUT (10 bytes)
 *   0  operation code 0x5e                      0  operation code 0x5f
 *   1  service action (bits 4..0)               1  service action (bits 4..0)
 *   2..6 reserved                               2  scope (bits 7..4) | type (bits 3..0)
 *   7..8 allocation length (big-endian)         3..4 reserved
 *   9  control                                  5..8 parameter list length (24)
 *                                               9  control
 *
 * OUT parameter list (24 bytes)               READ KEYS data            READ RESERVATION data
 *   0..7   reservation key                      0..3 PR generation        0..3  PR generation
 *   8..15  service action reservation key      4..7 additional length    4..7  additional length (0 or 16)
 *   16..19 obsolete                             8..  keys, 8 bytes each   8..15 reservation key
 *   20     SPEC_I_PT (3) ALL_TG_PT (2) APTPL (0)                          16..19 obsolete
 *   21     reserved                                                       20    reserved
 *   22..23 obsolete                                                       21    scope | type
 *                                                                         22..23 obsolete
 * </pre>
 * All integers are big-endian. Pure and stateless; the decoders take what a device returned as untrusted input:
 * short or inconsistent data gives null, never an exception.
 */
public final class PersistentReserve {
    public static final int OPCODE_IN = 0x5e;
    public static final int OPCODE_OUT = 0x5f;
    public static final int CDB_LENGTH = 10;
    public static final int PARAMETER_LENGTH = 24;
    /** The header of the IN data: generation and additional length. */
    public static final int IN_HEADER_LENGTH = 8;

    /** IN service action: the registered keys. */
    public static final int READ_KEYS = 0x00;
    /** IN service action: the reservation, if any. */
    public static final int READ_RESERVATION = 0x01;

    /** OUT service action: register (service action key = the new key) or unregister (new key 0). */
    public static final int REGISTER = 0x00;
    public static final int RESERVE = 0x01;
    public static final int RELEASE = 0x02;
    /** OUT service action: remove every registration and the reservation. */
    public static final int CLEAR = 0x03;
    /** OUT service action: remove the registrations of the service action key (and take its reservation). */
    public static final int PREEMPT = 0x04;
    /** PREEMPT, and abort the commands of the preempted I_T nexuses (fence_scsi's takeover). */
    public static final int PREEMPT_AND_ABORT = 0x05;
    /** OUT service action: register the service action key whatever was registered before. */
    public static final int REGISTER_AND_IGNORE_EXISTING_KEY = 0x06;

    public static final int TYPE_WRITE_EXCLUSIVE = 1;
    public static final int TYPE_EXCLUSIVE_ACCESS = 3;
    /** Only registered I_T nexuses may write: what a cluster's shared disk uses. */
    public static final int TYPE_WRITE_EXCLUSIVE_REGISTRANTS_ONLY = 5;
    public static final int TYPE_EXCLUSIVE_ACCESS_REGISTRANTS_ONLY = 6;
    public static final int TYPE_WRITE_EXCLUSIVE_ALL_REGISTRANTS = 7;
    public static final int TYPE_EXCLUSIVE_ACCESS_ALL_REGISTRANTS = 8;

    private static final VarHandle U16 = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle U32 = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle U64 = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

    private PersistentReserve() {
    }

    /**
     * The registered keys.
     *
     * @param generation the device's PR generation (bumped by every registration change)
     * @param keys       the keys returned, in the device's order (one per registered I_T nexus)
     * @param truncated  the device has more keys than the allocation length let it return
     */
    public record Keys(long generation, List<Long> keys, boolean truncated) {
        public Keys {
            keys = List.copyOf(keys);
        }
    }

    /**
     * The reservation.
     *
     * @param generation the device's PR generation
     * @param held       a reservation exists
     * @param key        its holder's key (0 for the all-registrants types, held by every registrant)
     * @param scope      its scope (0: the logical unit)
     * @param type       its type ({@code TYPE_*})
     */
    public record Reservation(long generation, boolean held, long key, int scope, int type) {
    }

    /** Writes a PERSISTENT RESERVE IN CDB for {@code serviceAction} into {@code cdb}; returns its length. */
    public static int inCdb(final byte[] cdb, final int serviceAction, final int allocationLength) {
        if ((serviceAction & ~0x1f) != 0 || (allocationLength & ~0xffff) != 0) {
            throw new IllegalArgumentException("PERSISTENT RESERVE IN: service action " + serviceAction
                + ", allocation length " + allocationLength);
        }
        java.util.Arrays.fill(cdb, 0, CDB_LENGTH, (byte) 0);
        cdb[0] = (byte) OPCODE_IN;
        cdb[1] = (byte) serviceAction;
        U16.set(cdb, 7, (short) allocationLength);
        return CDB_LENGTH;
    }

    /**
     * Writes a PERSISTENT RESERVE OUT CDB for {@code serviceAction} with the logical-unit scope and {@code type}
     * (0 where the service action has none) into {@code cdb}; returns its length.
     */
    public static int outCdb(final byte[] cdb, final int serviceAction, final int type) {
        if ((serviceAction & ~0x1f) != 0 || (type & ~0x0f) != 0) {
            throw new IllegalArgumentException("PERSISTENT RESERVE OUT: service action " + serviceAction + ", type "
                + type);
        }
        java.util.Arrays.fill(cdb, 0, CDB_LENGTH, (byte) 0);
        cdb[0] = (byte) OPCODE_OUT;
        cdb[1] = (byte) serviceAction;
        cdb[2] = (byte) type;
        U32.set(cdb, 5, PARAMETER_LENGTH);
        return CDB_LENGTH;
    }

    /** Writes the 24-byte OUT parameter list (no APTPL, no SPEC_I_PT, no ALL_TG_PT); returns its length. */
    public static int outParameters(final byte[] p, final long key, final long serviceActionKey) {
        java.util.Arrays.fill(p, 0, PARAMETER_LENGTH, (byte) 0);
        U64.set(p, 0, key);
        U64.set(p, 8, serviceActionKey);
        return PARAMETER_LENGTH;
    }

    /** READ KEYS data of {@code length} bytes, or null when it is shorter than its header or not whole keys. */
    public static Keys decodeKeys(final byte[] data, final int length) {
        if (length < IN_HEADER_LENGTH || length > data.length) {
            return null;
        }
        final long generation = Integer.toUnsignedLong((int) U32.get(data, 0));
        final long additional = Integer.toUnsignedLong((int) U32.get(data, 4));
        if (additional % 8 != 0) {
            return null;
        }
        final long present = Math.min(additional, length - IN_HEADER_LENGTH) / 8;
        final List<Long> keys = new ArrayList<>((int) present);
        for (int i = 0; i < present; i++) {
            keys.add((long) U64.get(data, IN_HEADER_LENGTH + 8 * i));
        }
        return new Keys(generation, keys, present * 8 < additional);
    }

    /** READ RESERVATION data of {@code length} bytes, or null when it is short or inconsistent. */
    public static Reservation decodeReservation(final byte[] data, final int length) {
        if (length < IN_HEADER_LENGTH || length > data.length) {
            return null;
        }
        final long generation = Integer.toUnsignedLong((int) U32.get(data, 0));
        final long additional = Integer.toUnsignedLong((int) U32.get(data, 4));
        if (additional == 0) {
            return new Reservation(generation, false, 0, 0, 0);
        }
        if (additional != 16 || length < IN_HEADER_LENGTH + 16) {
            return null;
        }
        final int scopeType = data[21] & 0xff;
        return new Reservation(generation, true, (long) U64.get(data, 8), scopeType >>> 4, scopeType & 0x0f);
    }

    /** The SPC name of reservation type {@code type}. */
    public static String typeName(final int type) {
        return switch (type) {
            case TYPE_WRITE_EXCLUSIVE -> "write exclusive";
            case TYPE_EXCLUSIVE_ACCESS -> "exclusive access";
            case TYPE_WRITE_EXCLUSIVE_REGISTRANTS_ONLY -> "write exclusive, registrants only";
            case TYPE_EXCLUSIVE_ACCESS_REGISTRANTS_ONLY -> "exclusive access, registrants only";
            case TYPE_WRITE_EXCLUSIVE_ALL_REGISTRANTS -> "write exclusive, all registrants";
            case TYPE_EXCLUSIVE_ACCESS_ALL_REGISTRANTS -> "exclusive access, all registrants";
            default -> "type " + type;
        };
    }

    /** The SPC name of OUT service action {@code serviceAction}. */
    public static String outName(final int serviceAction) {
        return switch (serviceAction) {
            case REGISTER -> "REGISTER";
            case RESERVE -> "RESERVE";
            case RELEASE -> "RELEASE";
            case CLEAR -> "CLEAR";
            case PREEMPT -> "PREEMPT";
            case PREEMPT_AND_ABORT -> "PREEMPT AND ABORT";
            case REGISTER_AND_IGNORE_EXISTING_KEY -> "REGISTER AND IGNORE EXISTING KEY";
            default -> "service action " + serviceAction;
        };
    }

    /** {@code 0x0102030405060708}: a key as sg_persist and fence_scsi print it. */
    public static String keyText(final long key) {
        return "0x" + Long.toHexString(key);
    }
}
