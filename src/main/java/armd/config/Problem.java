package armd.config;

import java.nio.file.Path;

/**
 * One thing wrong in a configuration file, for the operator: where (file and 1-based line; line 0 means the
 * file as a whole) and a message saying what is wrong and what to do.
 *
 * @param file    the file, as the operator named it
 * @param line    1-based line number, or 0 for the whole file
 * @param message what is wrong, what to do
 */
public record Problem(Path file, int line, String message) {

    /** {@code FILE:LINE: message}, or {@code FILE: message} for the whole file. */
    @Override
    public String toString() {
        return line > 0 ? file + ":" + line + ": " + message : file + ": " + message;
    }
}
