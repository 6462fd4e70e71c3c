package armd.cli;

import armd.base.Exit;
import armd.base.OperatorException;
import armd.base.Json;

import armd.probe.ProbeOutcome;
import armd.probe.TurProbe;
import armd.probe.TurResult;
import armd.sys.Errno;
import armd.sys.SysException;

import java.io.PrintStream;
import java.util.Set;

/**
 * {@code armd probe tur DEVICE [--timeout MS] [--count N --interval MS] [--json]}: SCSI TEST UNIT READY
 * through SG_IO, one line per try with its latency in microseconds. Exit 0 ready, 1 fault (not ready,
 * transport error, timeout), 2 usage, 3 system error (cannot open, SG_IO not supported, permission denied).
 */
public final class TurCommand implements Command {
    static final String USAGE = """
        usage: armd probe tur DEVICE [--timeout MS] [--count N] [--interval MS] [--json]
          SCSI TEST UNIT READY through the SG_IO ioctl on an sg node (/dev/sgN) or a SCSI disk.
          --timeout MS    time the kernel waits for the device, per command (default 5000)
          --count N       number of tries (default 1); --interval MS between them (default 1000)
          --json          one JSON object per try
        exit: 0 ready, 1 fault (not ready, transport error, timeout), 2 usage,
              3 system error (cannot open, SG_IO not supported by the device, permission denied)""";

    /** Default per-command timeout: long enough for a busy array, short enough for failover. */
    static final int DEFAULT_TIMEOUT_MS = 5000;

    private final PrintStream out;

    /** Prints to standard output. */
    public TurCommand() {
        this(System.out);
    }

    /** Prints results to {@code out} (tests); errors leave as {@link OperatorException}. */
    public TurCommand(final PrintStream out) {
        this.out = out;
    }

    @Override
    public int run(final String[] argv) throws InterruptedException {
        final Args args = Args.parse(argv, Set.of("timeout", "count", "interval"), Set.of("json", "help"));
        if (args.flag("help")) {
            out.println(USAGE);
            return Exit.OK;
        }
        final String device = args.maxPositionals(1).positional(0, "DEVICE (an sg node or a SCSI disk)");
        final int timeoutMs = args.intValue("timeout", DEFAULT_TIMEOUT_MS, 1, 600_000);
        final int count = args.intValue("count", 1, 1, 1_000_000);
        final int intervalMs = args.intValue("interval", 1000, 0, 3_600_000);
        final boolean json = args.flag("json");

        ProbeOutcome worst = ProbeOutcome.HEALTHY;
        try (TurProbe probe = openProbe(device, timeoutMs)) {
            for (int i = 0; i < count; i++) {
                if (i > 0 && intervalMs > 0) {
                    Thread.sleep(intervalMs);
                }
                final TurResult r = probe.probe();
                worst = worst.worst(r.outcome());
                if (json) {
                    out.println(toJson(r, i + 1));
                } else if (r.outcome() == ProbeOutcome.ERROR) {
                    // not supported / refused: repeating cannot help; one line on stderr, exit 3
                    throw new OperatorException(Exit.SYSTEM, r.describe());
                } else {
                    out.println(r.describe() + ", " + micros(r.latencyNs()) + " us");
                }
                if (r.outcome() == ProbeOutcome.ERROR) {
                    break;
                }
            }
        }
        return worst.exitCode();
    }

    private static TurProbe openProbe(final String device, final int timeoutMs) {
        try {
            return TurProbe.open(device, timeoutMs);
        } catch (SysException e) {
            throw new OperatorException(Exit.SYSTEM, device + ": " + switch (e.errno()) {
                case Errno.ENOENT -> "no such device; give an sg node (/dev/sgN) or a SCSI disk (/dev/sdX)";
                case Errno.EACCES, Errno.EPERM -> "cannot open it: " + Errno.describe(e.errno())
                    + "; run armd as root";
                case Errno.ENXIO, Errno.ENODEV -> "cannot open it: " + Errno.describe(e.errno())
                    + "; is the disk attached?";
                default -> "cannot open it: " + Errno.describe(e.errno());
            });
        }
    }

    static String toJson(final TurResult r, final int seq) {
        return new Json()
            .put("device", r.device())
            .put("seq", seq)
            .put("outcome", r.outcome().name())
            .put("reason", r.reason().name())
            .put("verdict", r.reason() == TurResult.Reason.COMPLETED ? r.verdict().name() : null)
            .put("status", r.status())
            .put("host_status", r.hostStatus())
            .put("driver_status", r.driverStatus())
            .put("sense_key", r.sense().senseKey())
            .put("asc", r.sense().asc())
            .put("ascq", r.sense().ascq())
            .put("errno", r.errno())
            .put("tries", r.tries())
            .put("latency_us", micros(r.latencyNs()))
            .put("detail", r.detail())
            .toString();
    }

    private static long micros(final long ns) {
        return (ns + 500) / 1000;
    }
}
