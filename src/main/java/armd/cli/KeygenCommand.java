package armd.cli;

import armd.base.Exit;
import armd.base.OperatorException;

import armd.config.ClusterKey;
import armd.state.AtomicFile;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Set;

/**
 * {@code armd keygen FILE [--force]}: writes a new random cluster key, created with mode 0600 and atomically
 * (never a half-written key under the name); refuses to replace an existing file unless {@code --force}.
 */
public final class KeygenCommand implements Command {
    static final String USAGE = """
        usage: armd keygen FILE [--force]
          Writes a new random 32-byte cluster key (64 hex digits) to FILE, mode 0600. Copy the same file to
          every server of the cluster. --force replaces an existing FILE (every server then needs the new key).
        exit codes: 0 written, 1 FILE exists (no --force), 2 bad command line, 3 cannot write""";

    private final PrintStream out;

    /** Prints to standard output. */
    public KeygenCommand() {
        this(System.out);
    }

    KeygenCommand(final PrintStream out) {
        this.out = out;
    }

    @Override
    public int run(final String[] args) {
        final Args a = Args.parse(args, Set.of(), Set.of("force", "help")).maxPositionals(1);
        if (a.flag("help")) {
            out.println(USAGE);
            return Exit.OK;
        }
        final Path file = Path.of(a.positional(0, "FILE (where to write the key)"));
        final byte[] text = ClusterKey.format(ClusterKey.generate()).getBytes(StandardCharsets.US_ASCII);
        try {
            AtomicFile.write(file, text, a.flag("force"));
        } catch (FileAlreadyExistsException e) {
            throw new OperatorException(Exit.FAULT, file + " already exists: keep it, or give --force to replace "
                + "it (then copy the new key to every server)");
        } catch (NoSuchFileException e) {
            throw OperatorException.system("cannot write " + file + ": its directory does not exist");
        } catch (IOException e) {
            throw OperatorException.system("cannot write " + file + ": " + OperatorException.reason(e));
        }
        out.println("wrote a new cluster key to " + file + " (mode 0600): copy it to every server");
        return Exit.OK;
    }
}
