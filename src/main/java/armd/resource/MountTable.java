package armd.resource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What is mounted where, from {@code /proc/self/mountinfo} (proc(5)): enough to tell "already mounted here"
 * from "something else is mounted here" before mounting, and "not mounted" before unmounting. The parser is
 * pure; only {@link #read()} touches the file system.
 *
 * @param entries the mounts in the kernel's order (a later entry on the same mount point is on top)
 */
public record MountTable(List<Entry> entries) {
    /** The mount table of this process. */
    public static final Path MOUNTINFO = Path.of("/proc/self/mountinfo");

    /**
     * One mount.
     *
     * @param mountPoint where it is mounted (octal escapes decoded)
     * @param fsType     file system type (e.g. ext4, nfs4)
     * @param source     the mounted device or {@code server:/export}
     */
    public record Entry(String mountPoint, String fsType, String source) {
    }

    /** Copies {@code entries}. */
    public MountTable {
        entries = List.copyOf(entries);
    }

    /** Reads this process's mount table. */
    public static MountTable read() throws IOException {
        return parse(Files.readString(MOUNTINFO, StandardCharsets.UTF_8));
    }

    /**
     * Parses mountinfo text: {@code ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER}.
     * Lines that do not have that shape are skipped.
     */
    public static MountTable parse(final String text) {
        final List<Entry> out = new ArrayList<>();
        for (final String line : text.split("\n")) {
            final String[] f = line.split(" ");
            int dash = -1;
            for (int i = 6; i < f.length; i++) {
                if (f[i].equals("-")) {
                    dash = i;
                    break;
                }
            }
            if (f.length < 7 || dash < 0 || dash + 2 >= f.length) {
                continue;
            }
            out.add(new Entry(unescape(f[4]), f[dash + 1], unescape(f[dash + 2])));
        }
        return new MountTable(out);
    }

    /** The topmost mount on {@code mountPoint}, or null when nothing is mounted there. */
    public Entry at(final String mountPoint) {
        for (int i = entries.size() - 1; i >= 0; i--) {
            if (entries.get(i).mountPoint().equals(mountPoint)) {
                return entries.get(i);
            }
        }
        return null;
    }

    /** The kernel writes space, tab, newline and backslash as {@code \ooo} (fs/proc_namespace.c, mangle()). */
    static String unescape(final String s) {
        if (s.indexOf('\\') < 0) {
            return s;
        }
        final StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            final char c = s.charAt(i);
            if (c == '\\' && isOctal(s, i + 1)) {
                sb.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    private static boolean isOctal(final String s, final int from) {
        if (from + 3 > s.length()) {
            return false;
        }
        for (int i = from; i < from + 3; i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '7') {
                return false;
            }
        }
        return true;
    }
}
