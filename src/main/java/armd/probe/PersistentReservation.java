package armd.probe;

import armd.sys.Errno;
import armd.sys.scsi.SgIo;
import armd.wire.PersistentReserve;
import armd.wire.ScsiSense;

/**
 * SCSI-3 persistent reservations on one shared disk through SG_IO, fence_scsi's method: each server registers its
 * own key ({@link #register}), one holds a WRITE EXCLUSIVE, REGISTRANTS ONLY reservation ({@link #reserve}), and a
 * survivor removes a dead server's key ({@link #preempt}), after which the device answers that server's writes with
 * RESERVATION CONFLICT. {@link #readKeys} and {@link #readReservation} show the device's state. A UNIT ATTENTION
 * (another server's change, a reset) is retried once, as it reports an event rather than a refusal.
 *
 * <p>Needs root (CAP_SYS_RAWIO: the commands that change the device go through a read-only descriptor). Not a hot
 * path: each call allocates its outcome. Not thread-safe: one caller at a time; a call blocks up to the timeout.
 */
public final class PersistentReservation implements AutoCloseable {
    /** The reservation type armd uses: only registered servers may write. */
    public static final int TYPE = PersistentReserve.TYPE_WRITE_EXCLUSIVE_REGISTRANTS_ONLY;
    /** The allocation length of READ KEYS and READ RESERVATION: room for 1023 keys. */
    static final int ALLOCATION = SgIo.DATA_SIZE;
    private static final int MAX_EINTR_RETRIES = 3;
    /** ASC 20h: INVALID COMMAND OPERATION CODE. */
    static final int INVALID_OPCODE = 0x20;

    /**
     * What one command came to.
     *
     * @param ok          the device did it (GOOD)
     * @param verdict     the SCSI verdict of a completed command, or null when SG_IO itself failed
     * @param errno       SG_IO's errno, or 0
     * @param sense       the sense data's key and ASC/ASCQ, described ("" without sense)
     * @param asc         the additional sense code, or -1
     * @param keys        READ KEYS' answer (null for the other commands, or malformed data)
     * @param reservation READ RESERVATION's answer (null for the other commands, or malformed data)
     * @param detail      one line for an operator: the device, the command and what happened
     */
    public record Outcome(boolean ok, ScsiSense.Verdict verdict, int errno, String sense, int asc,
                          PersistentReserve.Keys keys, PersistentReserve.Reservation reservation, String detail) {
        /** The device does not know PERSISTENT RESERVE, or the device does not take SG_IO at all. */
        public boolean unsupported() {
            return verdict == ScsiSense.Verdict.ILLEGAL_REQUEST && asc == INVALID_OPCODE
                || verdict == null && (errno == Errno.ENOTTY || errno == Errno.EINVAL || errno == Errno.EOPNOTSUPP);
        }

        /** The device refused with RESERVATION CONFLICT (this server's key is not registered). */
        public boolean conflict() {
            return verdict == ScsiSense.Verdict.RESERVATION_CONFLICT;
        }
    }

    private final SgIo sg;
    private final int timeoutMs;
    private final byte[] cdb = new byte[PersistentReserve.CDB_LENGTH];
    private final byte[] parameters = new byte[PersistentReserve.PARAMETER_LENGTH];
    private final byte[] data = new byte[ALLOCATION];
    private final byte[] senseBytes = new byte[SgIo.SENSE_SIZE];
    private final ScsiSense sense = new ScsiSense();

    private PersistentReservation(final SgIo sg, final int timeoutMs) {
        this.sg = sg;
        this.timeoutMs = timeoutMs;
    }

    /**
     * Opens {@code device} (an sg node or a SCSI disk); each command may take up to {@code timeoutMs}. Throws
     * {@link armd.sys.SysException} naming the device when it cannot be opened.
     */
    public static PersistentReservation open(final String device, final int timeoutMs) {
        if (timeoutMs <= 0) {
            throw new IllegalArgumentException("timeoutMs must be positive: " + timeoutMs);
        }
        return new PersistentReservation(SgIo.open(device), timeoutMs);
    }

    /** The device path. */
    public String device() {
        return sg.device();
    }

    /** Registers {@code key} for this server, whatever it had registered before (REGISTER AND IGNORE EXISTING KEY). */
    public Outcome register(final long key) {
        if (key == 0) {
            throw new IllegalArgumentException("key 0 unregisters: use unregister");
        }
        return out(PersistentReserve.REGISTER_AND_IGNORE_EXISTING_KEY, 0, 0, key);
    }

    /** Removes this server's registration {@code key} (REGISTER with the new key 0). */
    public Outcome unregister(final long key) {
        return out(PersistentReserve.REGISTER, 0, key, 0);
    }

    /** Takes the WRITE EXCLUSIVE, REGISTRANTS ONLY reservation with this server's registered {@code key}. */
    public Outcome reserve(final long key) {
        return out(PersistentReserve.RESERVE, TYPE, key, 0);
    }

    /** Releases the reservation this server holds with {@code key}. */
    public Outcome release(final long key) {
        return out(PersistentReserve.RELEASE, TYPE, key, 0);
    }

    /**
     * Removes {@code victim}'s registration with this server's registered {@code key} and takes the reservation
     * when the victim held it; {@code abort}: PREEMPT AND ABORT, which also aborts the victim's commands in flight.
     */
    public Outcome preempt(final long key, final long victim, final boolean abort) {
        return out(abort ? PersistentReserve.PREEMPT_AND_ABORT : PersistentReserve.PREEMPT, TYPE, key, victim);
    }

    /** Removes every registration and the reservation, with this server's registered {@code key}. */
    public Outcome clear(final long key) {
        return out(PersistentReserve.CLEAR, 0, key, 0);
    }

    /** The registered keys. */
    public Outcome readKeys() {
        return in(PersistentReserve.READ_KEYS);
    }

    /** The reservation, if any. */
    public Outcome readReservation() {
        return in(PersistentReserve.READ_RESERVATION);
    }

    private Outcome out(final int serviceAction, final int type, final long key, final long serviceActionKey) {
        PersistentReserve.outCdb(cdb, serviceAction, type);
        PersistentReserve.outParameters(parameters, key, serviceActionKey);
        final String what = "PERSISTENT RESERVE OUT " + PersistentReserve.outName(serviceAction);
        return run(what, SgIo.SG_DXFER_TO_DEV, parameters, parameters.length, -1);
    }

    private Outcome in(final int serviceAction) {
        PersistentReserve.inCdb(cdb, serviceAction, ALLOCATION);
        final String what = "PERSISTENT RESERVE IN " + (serviceAction == PersistentReserve.READ_KEYS ? "READ KEYS"
            : "READ RESERVATION");
        return run(what, SgIo.SG_DXFER_FROM_DEV, null, ALLOCATION, serviceAction);
    }

    private Outcome run(final String what, final int direction, final byte[] out, final int length,
                        final int inAction) {
        int tries = 0;
        while (true) {
            tries++;
            int rc = sg.command(cdb, cdb.length, direction, out, length, timeoutMs);
            for (int i = 0; rc == -Errno.EINTR && i < MAX_EINTR_RETRIES; i++) {
                rc = sg.command(cdb, cdb.length, direction, out, length, timeoutMs);
            }
            if (rc < 0) {
                final int errno = -rc;
                final String hint = switch (errno) {
                    case Errno.ENOTTY, Errno.EINVAL, Errno.EOPNOTSUPP -> " (the device does not take SCSI commands)";
                    case Errno.EPERM, Errno.EACCES -> "; run armd as root";
                    default -> "";
                };
                return new Outcome(false, null, errno, "", -1, null, null, device() + ": " + what
                    + ": SG_IO failed: " + Errno.describe(errno) + hint);
            }
            final int senseLength = sg.copySense(senseBytes);
            sense.decode(senseBytes, senseLength);
            final ScsiSense.Verdict v = ScsiSense.verdict(sg.status(), sg.hostStatus(), sg.driverStatus(), sense);
            if (v == ScsiSense.Verdict.UNIT_ATTENTION && tries < 2) {
                continue; // an event (another server's change, a reset), not a refusal: once more
            }
            final String senseText = sense.senseKey() >= 0 ? sense.describe() : "";
            if (v != ScsiSense.Verdict.GOOD) {
                return new Outcome(false, v, 0, senseText, sense.asc(), null, null, device() + ": " + what + ": "
                    + refusal(v, senseText));
            }
            if (inAction < 0) {
                return new Outcome(true, v, 0, senseText, sense.asc(), null, null, device() + ": " + what + ": done");
            }
            final int got = Math.max(0, Math.min(length, length - sg.resid()));
            sg.copyData(data, got);
            if (inAction == PersistentReserve.READ_KEYS) {
                final PersistentReserve.Keys k = PersistentReserve.decodeKeys(data, got);
                return k == null ? malformed(what, got)
                    : new Outcome(true, v, 0, senseText, sense.asc(), k, null, device() + ": " + describe(k));
            }
            final PersistentReserve.Reservation r = PersistentReserve.decodeReservation(data, got);
            return r == null ? malformed(what, got)
                : new Outcome(true, v, 0, senseText, sense.asc(), null, r, device() + ": " + describe(r));
        }
    }

    private Outcome malformed(final String what, final int got) {
        return new Outcome(false, ScsiSense.Verdict.GOOD, 0, "", -1, null, null, device() + ": " + what + ": the "
            + "device returned " + got + " bytes that are not a valid answer");
    }

    private String refusal(final ScsiSense.Verdict v, final String senseText) {
        return switch (v) {
            case RESERVATION_CONFLICT -> "RESERVATION CONFLICT: this server's key is not registered (another server "
                + "preempted it, or it was never registered)";
            case ILLEGAL_REQUEST -> sense.asc() == INVALID_OPCODE ? "not supported by the device (" + senseText
                + "): it has no persistent reservations" : "refused by the device (" + senseText + ")";
            case TIMEOUT -> "no answer within " + timeoutMs + " ms";
            case TRANSPORT -> "transport fault: " + ScsiSense.hostStatusName(sg.hostStatus());
            case DRIVER -> "driver fault: " + ScsiSense.driverStatusName(sg.driverStatus());
            case BUSY, OTHER_STATUS -> ScsiSense.statusName(sg.status());
            default -> ScsiSense.statusName(sg.status()) + (senseText.isEmpty() ? "" : ", " + senseText);
        };
    }

    /** {@code generation 2, keys 0x1111, 0x2222}. */
    static String describe(final PersistentReserve.Keys k) {
        final StringBuilder sb = new StringBuilder("generation ").append(k.generation()).append(", ");
        if (k.keys().isEmpty()) {
            sb.append("no keys registered");
        } else {
            sb.append(k.keys().size() == 1 ? "key " : "keys ");
            for (int i = 0; i < k.keys().size(); i++) {
                sb.append(i == 0 ? "" : ", ").append(PersistentReserve.keyText(k.keys().get(i)));
            }
        }
        return sb.append(k.truncated() ? " (and more than fit)" : "").toString();
    }

    /** {@code generation 2, reserved by 0x1111 (write exclusive, registrants only)}. */
    static String describe(final PersistentReserve.Reservation r) {
        return "generation " + r.generation() + ", " + (r.held() ? "reserved by " + PersistentReserve.keyText(r.key())
            + " (" + PersistentReserve.typeName(r.type()) + (r.scope() != 0 ? ", scope " + r.scope() : "") + ")"
            : "no reservation");
    }

    /** Closes the device; idempotent. */
    @Override
    public void close() {
        sg.close();
    }
}
