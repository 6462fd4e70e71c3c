package armd.config;

import armd.sys.Libc;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Checks that a file the agent trusts (a script it runs as root, the cluster key, the configuration) cannot be
 * changed (nor the key read) by anyone else: each check returns {@code null} when the file is safe, otherwise
 * one sentence saying what is wrong and what to do. Shared by the configuration check and the script runner, so
 * both refuse the same files with the same words.
 */
public final class FileSafety {
    private static final int S_IFMT = 0170000;
    private static final int S_IFREG = 0100000;
    private static final int S_IFDIR = 0040000;
    private static final int S_ISVTX = 01000;
    private static final int GROUP_OTHER_WRITE = 0022;
    private static final int GROUP_OTHER_ALL = 0077;

    private FileSafety() {
    }

    /** Whether this process runs as root, in which case trusted files must be owned by root. */
    public static boolean runningAsRoot() {
        return Libc.geteuid() == 0;
    }

    /**
     * Why {@code script} must not be run, or null: it must be an executable regular file (symbolic links are
     * followed), not writable by group or others, in directories not writable by group or others (sticky
     * directories such as /tmp excepted), and owned by root when {@code ownerMustBeRoot}.
     */
    public static String scriptProblem(final Path script, final boolean ownerMustBeRoot) {
        final Map<String, Object> a;
        final Path real;
        try {
            real = script.toRealPath();
            a = Files.readAttributes(real, "unix:mode,uid");
        } catch (NoSuchFileException e) {
            return "script " + script + " does not exist: create it or correct the path";
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return "cannot read script " + script + ": " + e.getMessage();
        }
        final int mode = (Integer) a.get("mode");
        final int uid = (Integer) a.get("uid");
        if ((mode & S_IFMT) != S_IFREG) {
            return "script " + script + " is not a regular file: point it at the script itself";
        }
        if (!Files.isExecutable(real)) {
            return "script " + script + " is not executable: chmod 755 " + script;
        }
        if ((mode & GROUP_OTHER_WRITE) != 0) {
            return "script " + script + " is writable by group or others (mode " + octal(mode)
                + "): chmod go-w " + script;
        }
        if (ownerMustBeRoot && uid != 0) {
            return "script " + script + " is owned by uid " + uid + ", not root: chown root " + script;
        }
        return directoryProblem(real.getParent(), ownerMustBeRoot, "the script");
    }

    /**
     * Why {@code keyFile} must not be used as the cluster key, or null: a regular file, neither readable nor
     * writable by group or others, owned by root when {@code ownerMustBeRoot}, in directories nobody else can
     * write (as for scripts).
     */
    public static String keyFileProblem(final Path keyFile, final boolean ownerMustBeRoot) {
        final Map<String, Object> a;
        final Path real;
        try {
            real = keyFile.toRealPath();
            a = Files.readAttributes(real, "unix:mode,uid");
        } catch (NoSuchFileException e) {
            return "key file " + keyFile + " does not exist: create it with 'armd keygen " + keyFile
                + "' and copy it to every server";
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return "cannot read key file " + keyFile + ": " + e.getMessage();
        }
        final int mode = (Integer) a.get("mode");
        final int uid = (Integer) a.get("uid");
        if ((mode & S_IFMT) != S_IFREG) {
            return "key file " + keyFile + " is not a regular file";
        }
        if ((mode & GROUP_OTHER_ALL) != 0) {
            return "key file " + keyFile + " is open to group or others (mode " + octal(mode) + "): chmod 600 "
                + keyFile;
        }
        if (ownerMustBeRoot && uid != 0) {
            return "key file " + keyFile + " is owned by uid " + uid + ", not root: chown root " + keyFile;
        }
        return directoryProblem(real.getParent(), ownerMustBeRoot, "the key file");
    }

    /**
     * Why the configuration {@code file} must not be read, or null. The sentence does not start with the file's
     * name (the caller prefixes it): it must exist and be a regular file (symbolic links are followed; a FIFO
     * would block the reader), not writable by group or others, owned by root when {@code ownerMustBeRoot}, in
     * directories nobody else can write, since whoever changes it chooses the scripts armd runs as root.
     */
    public static String configFileProblem(final Path file, final boolean ownerMustBeRoot) {
        final Map<String, Object> a;
        final Path real;
        try {
            real = file.toRealPath();
            a = Files.readAttributes(real, "unix:mode,uid");
        } catch (NoSuchFileException e) {
            return "no such file: give the path of the cluster's configuration (see conf/armd.conf.example)";
        } catch (FileSystemException e) {
            return "cannot read: " + (e.getReason() != null ? e.getReason() : e.getMessage());
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return "cannot read: " + e.getMessage();
        }
        final int mode = (Integer) a.get("mode");
        final int uid = (Integer) a.get("uid");
        if ((mode & S_IFMT) == S_IFDIR) {
            return "is a directory, not a file: give the configuration file";
        }
        if ((mode & S_IFMT) != S_IFREG) {
            return "is not a regular file (a FIFO, device or socket): give the configuration file";
        }
        if ((mode & GROUP_OTHER_WRITE) != 0) {
            return "writable by group or others (mode " + octal(mode) + "), so anyone can choose the scripts armd "
                + "runs as root: chmod go-w " + file;
        }
        if (ownerMustBeRoot && uid != 0) {
            return "owned by uid " + uid + ", not root, so its owner can choose the scripts armd runs as root: "
                + "chown root " + file;
        }
        return directoryProblem(real.getParent(), ownerMustBeRoot, "the configuration");
    }

    /** Someone who can write a directory on the way can replace {@code what}: refuse unless sticky. */
    private static String directoryProblem(final Path start, final boolean ownerMustBeRoot, final String what) {
        for (Path d = start; d != null; d = d.getParent()) {
            final Map<String, Object> a;
            try {
                a = Files.readAttributes(d, "unix:mode,uid", LinkOption.NOFOLLOW_LINKS);
            } catch (IOException | UnsupportedOperationException | SecurityException e) {
                return "cannot read directory " + d + ": " + e.getMessage();
            }
            final int mode = (Integer) a.get("mode");
            final int uid = (Integer) a.get("uid");
            if ((mode & GROUP_OTHER_WRITE) != 0 && (mode & S_ISVTX) == 0) {
                return "directory " + d + " is writable by group or others (mode " + octal(mode)
                    + "), so anyone there can replace " + what + ": chmod go-w " + d;
            }
            if (ownerMustBeRoot && uid != 0) {
                return "directory " + d + " is owned by uid " + uid + ", not root, so its owner can replace "
                    + what + ": chown root " + d;
            }
        }
        return null;
    }

    private static String octal(final int mode) {
        return String.format("%04o", mode & 07777);
    }
}
