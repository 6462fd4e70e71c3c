package armd.wire;

/**
 * Pure decoder of a SCSI command's outcome: the status byte, the Linux host and driver bytes of an
 * {@code sg_io_hdr} (scsi/sg.h), and the sense data in fixed or descriptor format (SPC-5 4.4).
 *
 * <pre>
 * Fixed format (response code 0x70 current, 0x71 deferred):
 *   byte 0    VALID(1) | RESPONSE CODE(7)
 *   byte 2    FILEMARK EOM ILI SDAT_OVFL | SENSE KEY (low 4 bits)
 *   byte 3-6  INFORMATION
 *   byte 7    ADDITIONAL SENSE LENGTH (n - 7)
 *   byte 12   ADDITIONAL SENSE CODE (ASC)
 *   byte 13   ADDITIONAL SENSE CODE QUALIFIER (ASCQ)
 *
 * Descriptor format (response code 0x72 current, 0x73 deferred):
 *   byte 0    RESPONSE CODE(7)
 *   byte 1    SENSE KEY (low 4 bits)
 *   byte 2    ASC
 *   byte 3    ASCQ
 *   byte 7    ADDITIONAL SENSE LENGTH; descriptors follow from byte 8
 * </pre>
 *
 * <p>An instance is a reusable, mutable decoding of one sense buffer: {@link #decode} fills it without
 * allocating, so a probe can keep one per device. Not thread-safe. The static name methods return
 * constant strings.
 */
public final class ScsiSense {
    /** SAM-5 status: the command completed. */
    public static final int STATUS_GOOD = 0x00;
    /** SAM-5 status: sense data describes an error or an event. */
    public static final int STATUS_CHECK_CONDITION = 0x02;
    /** SAM-5 status. */
    public static final int STATUS_CONDITION_MET = 0x04;
    /** SAM-5 status: the logical unit is busy. */
    public static final int STATUS_BUSY = 0x08;
    /** SAM-5 status: another initiator holds a reservation. */
    public static final int STATUS_RESERVATION_CONFLICT = 0x18;
    /** SAM-5 status. */
    public static final int STATUS_TASK_SET_FULL = 0x28;
    /** SAM-5 status. */
    public static final int STATUS_ACA_ACTIVE = 0x30;
    /** SAM-5 status. */
    public static final int STATUS_TASK_ABORTED = 0x40;

    /** host_status values (include/scsi/scsi_status.h, enum host_status: DID_*). */
    public static final int DID_OK = 0x00;
    public static final int DID_NO_CONNECT = 0x01;
    public static final int DID_BUS_BUSY = 0x02;
    public static final int DID_TIME_OUT = 0x03;
    public static final int DID_BAD_TARGET = 0x04;
    public static final int DID_ABORT = 0x05;
    public static final int DID_PARITY = 0x06;
    public static final int DID_ERROR = 0x07;
    public static final int DID_RESET = 0x08;
    public static final int DID_BAD_INTR = 0x09;
    public static final int DID_PASSTHROUGH = 0x0a;
    public static final int DID_SOFT_ERROR = 0x0b;
    public static final int DID_IMM_RETRY = 0x0c;
    public static final int DID_REQUEUE = 0x0d;
    public static final int DID_TRANSPORT_DISRUPTED = 0x0e;
    public static final int DID_TRANSPORT_FAILFAST = 0x0f;
    public static final int DID_TARGET_FAILURE = 0x10;
    public static final int DID_NEXUS_FAILURE = 0x11;
    public static final int DID_ALLOC_FAILURE = 0x12;
    public static final int DID_MEDIUM_ERROR = 0x13;
    public static final int DID_TRANSPORT_MARGINAL = 0x14;

    /** driver_status low nibble (scsi/sg.h SG_ERR_DRIVER_*, the old include/scsi/scsi.h DRIVER_*). */
    public static final int DRIVER_OK = 0x00;
    public static final int DRIVER_BUSY = 0x01;
    public static final int DRIVER_SOFT = 0x02;
    public static final int DRIVER_MEDIA = 0x03;
    public static final int DRIVER_ERROR = 0x04;
    public static final int DRIVER_INVALID = 0x05;
    public static final int DRIVER_TIMEOUT = 0x06;
    public static final int DRIVER_HARD = 0x07;
    /** Not an error: the sense buffer was filled. */
    public static final int DRIVER_SENSE = 0x08;

    /** SPC-5 sense keys. */
    public static final int KEY_NO_SENSE = 0x0;
    public static final int KEY_RECOVERED_ERROR = 0x1;
    public static final int KEY_NOT_READY = 0x2;
    public static final int KEY_MEDIUM_ERROR = 0x3;
    public static final int KEY_HARDWARE_ERROR = 0x4;
    public static final int KEY_ILLEGAL_REQUEST = 0x5;
    public static final int KEY_UNIT_ATTENTION = 0x6;
    public static final int KEY_DATA_PROTECT = 0x7;
    public static final int KEY_ABORTED_COMMAND = 0xb;

    /** What one command's status, host, driver bytes and sense data mean for a TEST UNIT READY. */
    public enum Verdict {
        /** GOOD status, no transport error (also RECOVERED ERROR and NO SENSE). */
        GOOD,
        /** CHECK CONDITION, NOT READY: the unit is there but cannot serve I/O (no medium, spinning up...). */
        NOT_READY,
        /** CHECK CONDITION, UNIT ATTENTION: an event (reset, power on, parameters changed): retry once. */
        UNIT_ATTENTION,
        /** CHECK CONDITION, ILLEGAL REQUEST: the device does not accept TEST UNIT READY. */
        ILLEGAL_REQUEST,
        /** CHECK CONDITION with another sense key, or without sense data. */
        CHECK_CONDITION,
        /** BUSY or TASK SET FULL status. */
        BUSY,
        /** RESERVATION CONFLICT: the path and the unit work; another initiator holds a reservation. */
        RESERVATION_CONFLICT,
        /** Another status byte (TASK ABORTED, ACA ACTIVE...). */
        OTHER_STATUS,
        /** The command timed out (host DID_TIME_OUT or driver DRIVER_TIMEOUT), whatever the status says. */
        TIMEOUT,
        /** The host adapter or transport failed (no connect, bus busy, reset, abort...). */
        TRANSPORT,
        /** The mid-level driver reported an error. */
        DRIVER
    }

    private int responseCode = -1;
    private int senseKey = -1;
    private int asc = -1;
    private int ascq = -1;
    private boolean descriptor;
    private boolean deferred;

    /**
     * Decodes {@code length} bytes of {@code sense} (at most {@code sense.length}); returns whether they held
     * sense data in a known format. An empty or unknown buffer leaves every field at -1.
     */
    public boolean decode(final byte[] sense, final int length) {
        responseCode = -1;
        senseKey = -1;
        asc = -1;
        ascq = -1;
        descriptor = false;
        deferred = false;
        final int n = Math.min(length, sense.length);
        if (n < 1) {
            return false;
        }
        final int code = sense[0] & 0x7f;
        switch (code) {
            case 0x70, 0x71 -> {
                responseCode = code;
                deferred = code == 0x71;
                if (n > 2) {
                    senseKey = sense[2] & 0x0f;
                }
                // ASC/ASCQ exist only when the additional sense length reaches them (SPC-5 4.4.3)
                final int end = n > 7 ? Math.min(n, 8 + (sense[7] & 0xff)) : n;
                if (end > 12) {
                    asc = sense[12] & 0xff;
                }
                if (end > 13) {
                    ascq = sense[13] & 0xff;
                }
            }
            case 0x72, 0x73 -> {
                responseCode = code;
                descriptor = true;
                deferred = code == 0x73;
                if (n > 1) {
                    senseKey = sense[1] & 0x0f;
                }
                if (n > 2) {
                    asc = sense[2] & 0xff;
                }
                if (n > 3) {
                    ascq = sense[3] & 0xff;
                }
            }
            default -> {
                return false;
            }
        }
        return true;
    }

    /** The response code (0x70..0x73), or -1. */
    public int responseCode() {
        return responseCode;
    }

    /** The sense key (0..15), or -1. */
    public int senseKey() {
        return senseKey;
    }

    /** The additional sense code, or -1. */
    public int asc() {
        return asc;
    }

    /** The additional sense code qualifier, or -1. */
    public int ascq() {
        return ascq;
    }

    /** Whether the data was in descriptor format (0x72/0x73). */
    public boolean descriptorFormat() {
        return descriptor;
    }

    /** Whether the sense reports a deferred error (0x71/0x73): it belongs to an earlier command. */
    public boolean deferred() {
        return deferred;
    }

    /**
     * Classifies one command. Transport failures come first: GOOD status with host DID_TIME_OUT is a
     * {@link Verdict#TIMEOUT}, not a success. {@code sense} must already hold this command's decoded sense.
     */
    public static Verdict verdict(final int status, final int hostStatus, final int driverStatus,
                                  final ScsiSense sense) {
        if (hostStatus == DID_TIME_OUT || (driverStatus & 0x0f) == DRIVER_TIMEOUT) {
            return Verdict.TIMEOUT;
        }
        if (hostStatus != DID_OK) {
            return Verdict.TRANSPORT;
        }
        final int driver = driverStatus & 0x0f;
        if (driver != DRIVER_OK && driver != DRIVER_SENSE) {
            return Verdict.DRIVER;
        }
        return switch (status & 0xfe) {
            case STATUS_GOOD, STATUS_CONDITION_MET -> Verdict.GOOD;
            case STATUS_CHECK_CONDITION -> switch (sense.senseKey()) {
                case KEY_NO_SENSE, KEY_RECOVERED_ERROR -> Verdict.GOOD;
                case KEY_NOT_READY -> Verdict.NOT_READY;
                case KEY_UNIT_ATTENTION -> Verdict.UNIT_ATTENTION;
                case KEY_ILLEGAL_REQUEST -> Verdict.ILLEGAL_REQUEST;
                default -> Verdict.CHECK_CONDITION;
            };
            case STATUS_BUSY, STATUS_TASK_SET_FULL -> Verdict.BUSY;
            case STATUS_RESERVATION_CONFLICT -> Verdict.RESERVATION_CONFLICT;
            default -> Verdict.OTHER_STATUS;
        };
    }

    /** The SAM name of a status byte, e.g. {@code CHECK CONDITION}. */
    public static String statusName(final int status) {
        return switch (status & 0xfe) {
            case STATUS_GOOD -> "GOOD";
            case STATUS_CHECK_CONDITION -> "CHECK CONDITION";
            case STATUS_CONDITION_MET -> "CONDITION MET";
            case STATUS_BUSY -> "BUSY";
            case 0x10 -> "INTERMEDIATE";
            case 0x14 -> "INTERMEDIATE-CONDITION MET";
            case STATUS_RESERVATION_CONFLICT -> "RESERVATION CONFLICT";
            case 0x22 -> "COMMAND TERMINATED";
            case STATUS_TASK_SET_FULL -> "TASK SET FULL";
            case STATUS_ACA_ACTIVE -> "ACA ACTIVE";
            case STATUS_TASK_ABORTED -> "TASK ABORTED";
            default -> "STATUS 0x" + Integer.toHexString(status & 0xff);
        };
    }

    /** The kernel name of a host_status byte, e.g. {@code DID_NO_CONNECT}, with what it means. */
    public static String hostStatusName(final int hostStatus) {
        return switch (hostStatus) {
            case DID_OK -> "DID_OK";
            case DID_NO_CONNECT -> "DID_NO_CONNECT (could not connect to the target)";
            case DID_BUS_BUSY -> "DID_BUS_BUSY (bus stayed busy)";
            case DID_TIME_OUT -> "DID_TIME_OUT (command timed out)";
            case DID_BAD_TARGET -> "DID_BAD_TARGET (bad target)";
            case DID_ABORT -> "DID_ABORT (command aborted)";
            case DID_PARITY -> "DID_PARITY (parity error)";
            case DID_ERROR -> "DID_ERROR (host adapter internal error)";
            case DID_RESET -> "DID_RESET (bus or device reset)";
            case DID_BAD_INTR -> "DID_BAD_INTR (unexpected interrupt)";
            case DID_PASSTHROUGH -> "DID_PASSTHROUGH";
            case DID_SOFT_ERROR -> "DID_SOFT_ERROR (retryable error)";
            case DID_IMM_RETRY -> "DID_IMM_RETRY (retry at once)";
            case DID_REQUEUE -> "DID_REQUEUE (requeue the command)";
            case DID_TRANSPORT_DISRUPTED -> "DID_TRANSPORT_DISRUPTED (transport disrupted)";
            case DID_TRANSPORT_FAILFAST -> "DID_TRANSPORT_FAILFAST (transport failed)";
            case DID_TARGET_FAILURE -> "DID_TARGET_FAILURE (permanent target failure)";
            case DID_NEXUS_FAILURE -> "DID_NEXUS_FAILURE (permanent nexus failure)";
            case DID_ALLOC_FAILURE -> "DID_ALLOC_FAILURE (out of resources)";
            case DID_MEDIUM_ERROR -> "DID_MEDIUM_ERROR (medium error)";
            case DID_TRANSPORT_MARGINAL -> "DID_TRANSPORT_MARGINAL (transport marginal)";
            default -> "host status 0x" + Integer.toHexString(hostStatus);
        };
    }

    /** The name of a driver_status byte's error nibble, e.g. {@code DRIVER_TIMEOUT}. */
    public static String driverStatusName(final int driverStatus) {
        return switch (driverStatus & 0x0f) {
            case DRIVER_OK -> "DRIVER_OK";
            case DRIVER_BUSY -> "DRIVER_BUSY";
            case DRIVER_SOFT -> "DRIVER_SOFT";
            case DRIVER_MEDIA -> "DRIVER_MEDIA";
            case DRIVER_ERROR -> "DRIVER_ERROR";
            case DRIVER_INVALID -> "DRIVER_INVALID";
            case DRIVER_TIMEOUT -> "DRIVER_TIMEOUT";
            case DRIVER_HARD -> "DRIVER_HARD";
            case DRIVER_SENSE -> "DRIVER_SENSE";
            default -> "driver status 0x" + Integer.toHexString(driverStatus & 0xff);
        };
    }

    /** The SPC name of a sense key, e.g. {@code NOT READY}. */
    public static String senseKeyName(final int key) {
        return switch (key) {
            case 0x0 -> "NO SENSE";
            case 0x1 -> "RECOVERED ERROR";
            case 0x2 -> "NOT READY";
            case 0x3 -> "MEDIUM ERROR";
            case 0x4 -> "HARDWARE ERROR";
            case 0x5 -> "ILLEGAL REQUEST";
            case 0x6 -> "UNIT ATTENTION";
            case 0x7 -> "DATA PROTECT";
            case 0x8 -> "BLANK CHECK";
            case 0x9 -> "VENDOR SPECIFIC";
            case 0xa -> "COPY ABORTED";
            case 0xb -> "ABORTED COMMAND";
            case 0xd -> "VOLUME OVERFLOW";
            case 0xe -> "MISCOMPARE";
            case 0xf -> "COMPLETED";
            default -> "sense key 0x" + Integer.toHexString(key);
        };
    }

    /**
     * The SPC description of the common ASC/ASCQ pairs a TEST UNIT READY meets, or {@code null} for one
     * this table does not know (the caller prints the numbers).
     */
    public static String ascName(final int asc, final int ascq) {
        if (asc < 0 || ascq < 0) {
            return null;
        }
        if (asc == 0x29 && ascq > 0x07) {
            return "power on, reset or bus device reset occurred";
        }
        return switch (asc << 8 | ascq) {
            case 0x0000 -> "no additional sense information";
            case 0x0400 -> "logical unit not ready, cause not reportable";
            case 0x0401 -> "logical unit is in process of becoming ready";
            case 0x0402 -> "logical unit not ready, initializing command required";
            case 0x0403 -> "logical unit not ready, manual intervention required";
            case 0x0404 -> "logical unit not ready, format in progress";
            case 0x0407 -> "logical unit not ready, operation in progress";
            case 0x0409 -> "logical unit not ready, self-test in progress";
            case 0x040a -> "logical unit not accessible, asymmetric access state transition";
            case 0x040b -> "logical unit not accessible, target port in standby state";
            case 0x040c -> "logical unit not accessible, target port in unavailable state";
            case 0x0412 -> "logical unit not ready, offline";
            case 0x0500 -> "logical unit does not respond to selection";
            case 0x0800 -> "logical unit communication failure";
            case 0x0801 -> "logical unit communication time-out";
            case 0x0802 -> "logical unit communication parity error";
            case 0x1100 -> "unrecovered read error";
            case 0x2000 -> "invalid command operation code";
            case 0x2400 -> "invalid field in CDB";
            case 0x2500 -> "logical unit not supported";
            case 0x2800 -> "not ready to ready change, medium may have changed";
            case 0x2900 -> "power on, reset, or bus device reset occurred";
            case 0x2901 -> "power on occurred";
            case 0x2902 -> "SCSI bus reset occurred";
            case 0x2903 -> "bus device reset function occurred";
            case 0x2904 -> "device internal reset";
            case 0x2905 -> "transceiver mode changed to single-ended";
            case 0x2906 -> "transceiver mode changed to LVD";
            case 0x2907 -> "I_T nexus loss occurred";
            case 0x2a00 -> "parameters changed";
            case 0x2a01 -> "mode parameters changed";
            case 0x2a02 -> "log parameters changed";
            case 0x2a03 -> "reservations preempted";
            case 0x2a04 -> "reservations released";
            case 0x2a05 -> "registrations preempted";
            case 0x2a06 -> "asymmetric access state changed";
            case 0x2a07 -> "implicit asymmetric access state transition failed";
            case 0x2a09 -> "capacity data has changed";
            case 0x2a10 -> "timestamp changed";
            case 0x2f00 -> "commands cleared by another initiator";
            case 0x3a00 -> "medium not present";
            case 0x3a01 -> "medium not present, tray closed";
            case 0x3a02 -> "medium not present, tray open";
            case 0x3e01 -> "logical unit failure";
            case 0x3e02 -> "timeout on logical unit";
            case 0x3e03 -> "logical unit failed self-test";
            case 0x3f01 -> "microcode has been changed";
            case 0x3f03 -> "inquiry data has changed";
            case 0x3f0e -> "reported LUNs data has changed";
            case 0x4400 -> "internal target failure";
            case 0x4700 -> "SCSI parity error";
            case 0x4b00 -> "data phase error";
            case 0x4c00 -> "logical unit failed self-configuration";
            case 0x5d00 -> "failure prediction threshold exceeded";
            case 0x6800 -> "logical unit not configured";
            default -> null;
        };
    }

    /**
     * One readable phrase for this sense, e.g. {@code NOT READY 3a/00 medium not present}; allocates, for
     * output only.
     */
    public String describe() {
        if (senseKey < 0) {
            return "no sense data";
        }
        final StringBuilder sb = new StringBuilder(64).append(senseKeyName(senseKey));
        if (asc >= 0) {
            sb.append(' ').append(hex2(asc)).append('/').append(ascq >= 0 ? hex2(ascq) : "??");
            final String name = ascName(asc, ascq);
            if (name != null) {
                sb.append(' ').append(name);
            }
        }
        if (deferred) {
            sb.append(" (deferred error)");
        }
        return sb.toString();
    }

    private static String hex2(final int b) {
        final String h = Integer.toHexString(b);
        return h.length() < 2 ? "0" + h : h;
    }
}
