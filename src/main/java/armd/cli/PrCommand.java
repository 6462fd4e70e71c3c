package armd.cli;

import armd.base.Exit;
import armd.base.Json;
import armd.base.OperatorException;
import armd.probe.PersistentReservation;
import armd.sys.Errno;
import armd.sys.SysException;
import armd.wire.PersistentReserve;

import java.io.PrintStream;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * {@code armd probe pr DEVICE keys|reservation|register KEY|unregister KEY|reserve KEY|release KEY|
 * preempt KEY VICTIM [--abort]|clear KEY [--timeout MS] [--json]}: SCSI-3 persistent reservations through SG_IO,
 * fence_scsi's method. Exit 0 done, 1 refused by the device (RESERVATION CONFLICT, CHECK CONDITION, no answer),
 * 2 usage, 3 system error (cannot open, not a SCSI device, no persistent reservations, permission denied).
 */
public final class PrCommand implements Command {
    static final String USAGE = """
        usage: armd probe pr DEVICE keys | reservation [--timeout MS] [--json]
               armd probe pr DEVICE register KEY | unregister KEY | reserve KEY | release KEY | clear KEY
               armd probe pr DEVICE preempt KEY VICTIM [--abort]
          SCSI-3 persistent reservations (PERSISTENT RESERVE IN/OUT through SG_IO) on a shared SCSI disk.
          keys          the registered keys          reservation   the reservation and its holder
          register KEY  register this server's KEY (whatever it registered before)
          unregister KEY, reserve KEY (write exclusive, registrants only), release KEY, clear KEY (everything)
          preempt KEY VICTIM  remove VICTIM's registration (and take its reservation) with this server's KEY;
                        --abort: PREEMPT AND ABORT, which also aborts VICTIM's commands in flight
          KEY, VICTIM   up to 16 hex digits, e.g. 0x1a2b (0 is no key)
          --timeout MS  time the kernel waits for the device, per command (default 5000)
          --json        one JSON object
        exit: 0 done, 1 refused by the device (RESERVATION CONFLICT, CHECK CONDITION, no answer), 2 usage,
              3 system error (cannot open, not a SCSI disk, no persistent reservations, permission denied)""";

    private static final Pattern KEY = Pattern.compile("(0[xX])?[0-9a-fA-F]{1,16}");

    private final PrintStream out;

    /** Prints to standard output. */
    public PrCommand() {
        this(System.out);
    }

    /** Prints results to {@code out} (tests); errors leave as {@link OperatorException}. */
    public PrCommand(final PrintStream out) {
        this.out = out;
    }

    @Override
    public int run(final String[] argv) {
        final Args args = Args.parse(argv, Set.of("timeout"), Set.of("json", "help", "abort"));
        if (args.flag("help")) {
            out.println(USAGE);
            return Exit.OK;
        }
        final String device = args.positional(0, "DEVICE (an sg node or a SCSI disk)");
        final String action = args.positional(1, "an action: keys, reservation, register, unregister, reserve, "
            + "release, clear or preempt");
        final int keys = switch (action) {
            case "keys", "reservation" -> 0;
            case "register", "unregister", "reserve", "release", "clear" -> 1;
            case "preempt" -> 2;
            default -> throw OperatorException.usage("unknown action '" + action + "': keys, reservation, register, "
                + "unregister, reserve, release, clear or preempt");
        };
        args.maxPositionals(2 + keys);
        final long key = keys > 0 ? key(args.positional(2, "KEY (hex, e.g. 0x1a2b)")) : 0;
        final long victim = keys > 1 ? key(args.positional(3, "VICTIM (the key to preempt, hex)")) : 0;
        if (args.flag("abort") && keys != 2) {
            throw OperatorException.usage("--abort goes with preempt only");
        }
        final int timeoutMs = args.intValue("timeout", TurCommand.DEFAULT_TIMEOUT_MS, 1, 600_000);
        try (PersistentReservation pr = open(device, timeoutMs)) {
            final PersistentReservation.Outcome o = switch (action) {
                case "keys" -> pr.readKeys();
                case "reservation" -> pr.readReservation();
                case "register" -> pr.register(key);
                case "unregister" -> pr.unregister(key);
                case "reserve" -> pr.reserve(key);
                case "release" -> pr.release(key);
                case "clear" -> pr.clear(key);
                default -> pr.preempt(key, victim, args.flag("abort"));
            };
            if (args.flag("json")) {
                out.println(toJson(o, device, action));
            } else if (o.ok()) {
                out.println(o.detail());
            }
            if (o.ok()) {
                return Exit.OK;
            }
            if (o.unsupported() || o.verdict() == null) {
                throw new OperatorException(Exit.SYSTEM, o.detail());
            }
            if (!args.flag("json")) {
                out.println(o.detail());
            }
            return Exit.FAULT;
        }
    }

    private static long key(final String text) {
        if (!KEY.matcher(text).matches()) {
            throw OperatorException.usage("'" + text + "' is not a key: give up to 16 hex digits, e.g. 0x1a2b");
        }
        final long k = Long.parseUnsignedLong(text.startsWith("0x") || text.startsWith("0X") ? text.substring(2)
            : text, 16);
        if (k == 0) {
            throw OperatorException.usage("key 0 is no key: give a non-zero key (unregister takes the key to remove)");
        }
        return k;
    }

    private static PersistentReservation open(final String device, final int timeoutMs) {
        try {
            return PersistentReservation.open(device, timeoutMs);
        } catch (SysException e) {
            throw new OperatorException(Exit.SYSTEM, device + ": " + switch (e.errno()) {
                case Errno.ENOENT -> "no such device; give an sg node (/dev/sgN) or a SCSI disk (/dev/sdX)";
                case Errno.EACCES, Errno.EPERM -> "cannot open it: " + Errno.describe(e.errno())
                    + "; run armd as root";
                default -> "cannot open it: " + Errno.describe(e.errno());
            });
        }
    }

    static String toJson(final PersistentReservation.Outcome o, final String device, final String action) {
        final Json j = new Json()
            .put("device", device)
            .put("action", action)
            .put("ok", o.ok())
            .put("verdict", o.verdict() == null ? null : o.verdict().name())
            .put("errno", o.errno())
            .put("sense", o.sense().isEmpty() ? null : o.sense());
        if (o.keys() != null) {
            j.put("generation", o.keys().generation())
                .putRaw("keys", o.keys().keys().stream().map(k -> '"' + PersistentReserve.keyText(k) + '"')
                    .collect(java.util.stream.Collectors.joining(",", "[", "]")))
                .put("truncated", o.keys().truncated());
        }
        if (o.reservation() != null) {
            j.put("generation", o.reservation().generation())
                .put("reserved", o.reservation().held())
                .put("holder", o.reservation().held() ? PersistentReserve.keyText(o.reservation().key()) : null)
                .put("type", o.reservation().held() ? PersistentReserve.typeName(o.reservation().type()) : null);
        }
        return j.put("detail", o.detail()).toString();
    }
}
