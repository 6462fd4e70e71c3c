package armd.cli;

import armd.base.Exit;
import armd.base.OperatorException;
import armd.base.Json;

import armd.config.ClusterConfig;
import armd.config.ConfigParser;
import armd.config.KeyReference;
import armd.config.Problem;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * {@code armd check --config FILE [--json]}: validates a cluster configuration and prints every problem, one
 * a line ({@code FILE:LINE: what is wrong, what to do}); exit 0 when valid, 2 when not. {@code armd check --keys}
 * prints the reference of every key instead (docs/configuration.md is its output); with {@code --man} in roff
 * (the generated part of doc/man/armd.conf.5).
 */
public final class CheckCommand implements Command {
    static final String USAGE = """
        usage: armd check --config FILE [--json]
               armd check --keys [--man]
          Validates a cluster configuration: syntax, servers, groups and policies, scripts (exist, executable,
          not writable by others, owned by root), the key file (0600, owned by root), heartbeat settings.
          Prints every problem as FILE:LINE: message, one a line (--json: one JSON object).
          --keys prints the reference of every section and key of the cluster configuration and the super
          cluster file instead: type, default, values and what it does (Markdown, as in docs/configuration.md;
          --man: roff, as in the man page armd.conf(5)).
        exit codes: 0 valid, 2 not valid or bad command line""";

    private final PrintStream out;
    private final ConfigParser parser;

    /** Prints to standard output; file ownership rules follow this process's user. */
    public CheckCommand() {
        this(System.out, new ConfigParser());
    }

    CheckCommand(final PrintStream out, final ConfigParser parser) {
        this.out = out;
        this.parser = parser;
    }

    @Override
    public int run(final String[] args) {
        final Args a = Args.parse(args, Set.of("config"), Set.of("json", "help", "keys", "man")).maxPositionals(0);
        if (a.flag("help")) {
            out.println(USAGE);
            return Exit.OK;
        }
        if (a.flag("keys")) {
            out.print(a.flag("man") ? KeyReference.man() : KeyReference.markdown());
            return Exit.OK;
        }
        if (a.flag("man")) {
            throw OperatorException.usage("--man goes with --keys only: armd check --keys --man");
        }
        final Path file = Path.of(a.required("config"));
        final ConfigParser.Result r = parser.parse(file);
        if (a.flag("json")) {
            final List<String> problems = new ArrayList<>();
            for (final Problem p : r.problems()) {
                problems.add(new Json().put("file", p.file().toString()).put("line", p.line())
                    .put("message", p.message()).toString());
            }
            final Json j = new Json().put("file", file.toString()).put("valid", r.valid());
            if (r.valid()) {
                j.put("cluster", r.config().name()).put("servers", r.config().servers().size())
                    .put("groups", r.config().groups().size());
            }
            out.println(j.putRaw("problems", Json.array(problems)));
        } else if (r.valid()) {
            final ClusterConfig c = r.config();
            out.println(file + ": valid: cluster " + c.name() + ", " + c.servers().size() + " server(s), "
                + c.groups().size() + " group(s)");
        } else {
            for (final Problem p : r.problems()) {
                out.println(p);
            }
        }
        return r.valid() ? Exit.OK : Exit.USAGE;
    }
}
