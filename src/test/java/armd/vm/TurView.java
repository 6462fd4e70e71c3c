package armd.vm;

import armd.sys.SysException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What one TEST UNIT READY told the guest test, whichever way it was sent (armd's {@code TurProbe}, {@code armd
 * probe tur --json}, or sg_turs as the reference): the fields of armd's JSON line, -1 or null where the tool did
 * not say.
 */
record TurView(String tool, int exitCode, String outcome, String reason, String verdict, int status, int hostStatus,
               int driverStatus, int senseKey, int asc, int ascq, int errno, int tries, long latencyUs,
               String detail) {
    static final int ENXIO = 6;
    static final int ENODEV = 19;
    static final int ENOENT = 2;
    static final int DID_TIME_OUT = 0x03;

    /** The sense triple as sg3-utils prints it, e.g. {@code 2/3a/00}, or {@code -} without sense data. */
    String sense() {
        return senseKey < 0 ? "-" : String.format("%x/%02x/%02x", senseKey, asc, ascq);
    }

    /** Whether the sense data says key/asc/ascq. */
    boolean sense(final int key, final int ascValue, final int ascqValue) {
        return senseKey == key && asc == ascValue && ascq == ascqValue;
    }

    @Override
    public String toString() {
        return tool + " exit " + exitCode + " " + outcome + " " + reason + " " + verdict + " status=" + status
            + " host=" + hostStatus + " driver=" + driverStatus + " sense=" + sense() + " errno=" + errno + " tries="
            + tries + " latency_us=" + latencyUs + " \"" + detail + "\"";
    }

    /** A probe that could not open its device. */
    static TurView of(final SysException e) {
        return new TurView("armd", 3, "ERROR", "OPEN_FAILED", null, -1, -1, -1, -1, -1, -1, e.errno(), 0, -1,
            e.getMessage());
    }

    /** Reads armd's {@code --json} line (the first line starting with '{'); {@code stderr} becomes the detail. */
    static TurView fromArmdJson(final int exitCode, final String stdout, final String stderr) {
        String json = null;
        for (final String line : stdout.split("\n")) {
            if (line.startsWith("{")) {
                json = line;
                break;
            }
        }
        if (json == null) {
            return new TurView("armd", exitCode, null, null, null, -1, -1, -1, -1, -1, -1, -1, 0, -1,
                (stdout + stderr).strip());
        }
        return new TurView("armd", exitCode, str(json, "outcome"), str(json, "reason"), str(json, "verdict"),
            num(json, "status"), num(json, "host_status"), num(json, "driver_status"), num(json, "sense_key"),
            num(json, "asc"), num(json, "ascq"), num(json, "errno"), num(json, "tries"), num(json, "latency_us"),
            str(json, "detail"));
    }

    /** Reads {@code sg_turs -vv}: its exit code and the fixed-format sense bytes it prints in hex. */
    static TurView fromSgTurs(final int exitCode, final String output) {
        int key = -1;
        int asc = -1;
        int ascq = -1;
        final Matcher m = Pattern.compile("Raw sense data \\(in hex\\)[^\\n]*\\n\\s*((?:[0-9a-f]{2}\\s+){14})")
            .matcher(output);
        if (m.find()) {
            final String[] b = m.group(1).trim().split("\\s+");
            key = Integer.parseInt(b[2], 16) & 0x0f;
            asc = Integer.parseInt(b[12], 16);
            ascq = Integer.parseInt(b[13], 16);
        }
        int errno = 0;
        final Matcher e = Pattern.compile("\\(errno=(\\d+)\\)").matcher(output);
        if (e.find()) {
            errno = Integer.parseInt(e.group(1));
        }
        return new TurView("sg_turs", exitCode, null, null, null, -1, -1, -1, key, asc, ascq, errno, 1, -1,
            output.strip().replace('\n', '|'));
    }

    private static String str(final String json, final String key) {
        final Matcher m = Pattern.compile("\"" + key + "\":\"((?:[^\"\\\\]|\\\\.)*)\"").matcher(json);
        return m.find() ? m.group(1) : null;
    }

    private static int num(final String json, final String key) {
        final Matcher m = Pattern.compile("\"" + key + "\":(-?\\d+)").matcher(json);
        return m.find() ? Integer.parseInt(m.group(1)) : -1;
    }
}
