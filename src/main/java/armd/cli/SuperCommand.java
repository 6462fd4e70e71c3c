package armd.cli;

import armd.base.Exit;
import armd.base.OperatorException;
import armd.config.SuperConfig;
import armd.config.SuperConfigParser;
import armd.control.ControlClient;
import armd.control.ControlRequest;
import armd.control.ControlStatus;
import armd.state.AtomicFile;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code armd super force-return|designate-master}: what an operator does when the master cluster is down
 * (docs/behaviour.md#super-cluster).
 */
public final class SuperCommand implements Command {
    static final String USAGE = """
        usage: armd super force-return [--socket PATH]
               armd super designate-master CLUSTER --super SUPERFILE
          force-return     this master server (its agent at --socket) takes the management role and accepts
                           changes alone until it hears another master server. Only when the other master
                           servers are down: two servers that each believe the others down would both accept.
          designate-master when every master server is down for good: rewrites SUPERFILE (atomically, the old
                           one kept as SUPERFILE.old) with CLUSTER as the master cluster, and says what to do next.
        exit codes: 0 done, 1 refused, 2 usage, 3 system error, 4 agent not running""";

    private static final Pattern MASTER_LINE = Pattern.compile("^(\\s*master\\s*=\\s*)([^#\\s]+)(.*)$");
    private static final Pattern GENERATION_LINE = Pattern.compile("^(\\s*generation\\s*=\\s*)([^#\\s]+)(.*)$");
    private final PrintStream out;

    /** Prints to standard output. */
    public SuperCommand() {
        this(System.out);
    }

    /** Prints to {@code out}. */
    public SuperCommand(final PrintStream out) {
        this.out = out;
    }

    @Override
    public int run(final String[] argv) throws Exception {
        final Args args = Args.parse(argv, Set.of("socket", "super"), Set.of("help"));
        if (args.flag("help") || args.positionals().isEmpty()) {
            out.println(USAGE);
            return args.flag("help") ? Exit.OK : Exit.USAGE;
        }
        return switch (args.positionals().getFirst()) {
            case "force-return" -> {
                args.maxPositionals(1);
                yield forceReturn(args);
            }
            case "designate-master" -> {
                args.maxPositionals(2);
                if (args.positionals().size() != 2) {
                    throw OperatorException.usage("designate-master takes one CLUSTER (see 'armd super --help')");
                }
                yield designate(Path.of(args.required("super")), args.positionals().get(1));
            }
            default -> throw OperatorException.usage("unknown 'armd super " + args.positionals().getFirst()
                + "': force-return or designate-master (see 'armd super --help')");
        };
    }

    private int forceReturn(final Args args) {
        final ControlClient client = new ControlClient(ControlClient.socketPath(args.value("socket")),
            ControlClient.DEFAULT_TIMEOUT_MS);
        final ControlClient.Reply reply;
        try {
            reply = client.call(new ControlRequest.Super("force-return", ""));
        } catch (ControlClient.NotRunningException e) {
            throw new OperatorException(Exit.NO_AGENT, e.getMessage());
        } catch (IOException e) {
            throw new OperatorException(Exit.SYSTEM, e.getMessage());
        }
        if (reply.status() != ControlStatus.OK) {
            throw new OperatorException(reply.status().exitCode(), reply.text().strip());
        }
        out.println(reply.text().strip());
        return Exit.OK;
    }

    private int designate(final Path file, final String cluster) throws IOException {
        final SuperConfig config = SuperConfigParser.load(file);
        if (config.cluster(cluster).isEmpty()) {
            throw OperatorException.usage("cluster " + cluster + " is not in " + file);
        }
        if (config.master().equals(cluster)) {
            out.println(cluster + " is the master cluster already in " + file);
            return Exit.OK;
        }
        final List<String> lines = new ArrayList<>(List.of(Files.readString(file, StandardCharsets.UTF_8)
            .split("\n", -1)));
        boolean inSuper = false;
        int changed = 0;
        int masterLine = -1;
        int generationLine = -1;
        final int generation = config.generation() + 1;
        for (int i = 0; i < lines.size(); i++) {
            final String l = lines.get(i).strip();
            if (l.startsWith("[")) {
                inSuper = l.replaceAll("\\s", "").equals("[super]");
                continue;
            }
            final Matcher m = MASTER_LINE.matcher(lines.get(i));
            if (inSuper && m.matches()) {
                lines.set(i, m.group(1) + cluster + m.group(3));
                masterLine = i;
                changed++;
            }
            final Matcher g = GENERATION_LINE.matcher(lines.get(i));
            if (inSuper && g.matches()) {
                lines.set(i, g.group(1) + generation + g.group(3));
                generationLine = i;
            }
        }
        if (changed != 1) {
            throw OperatorException.usage(file + ": no single 'master = ...' line in [super] to rewrite: edit it");
        }
        // a new generation: the old master cluster's servers, should they come back with the old file, are another
        // super cluster's (their frames are dropped), and the new versions count above every old one
        if (generationLine < 0) {
            lines.add(masterLine + 1, "generation = " + generation);
        }
        final byte[] text = String.join("\n", lines).getBytes(StandardCharsets.UTF_8);
        final Path old = file.resolveSibling(file.getFileName() + ".old");
        AtomicFile.write(old, Files.readAllBytes(file));
        AtomicFile.write(file, text);
        final SuperConfig now = SuperConfigParser.load(file);
        out.println("super cluster " + now.name() + ": the master cluster is now " + cluster + ", generation "
            + now.generation() + ", in " + file
            + " (the old file is " + old + "). Next: copy " + file + " to every server of every cluster; restart"
            + " the agents of " + cluster + "'s servers (they run the management service from then on); push every"
            + " cluster's configuration again, from the operators' files or from a server's verified copy: armd"
            + " config push STATE_DIR/SERVER/super/CLUSTER.copy --super " + file + "; then restart the other"
            + " clusters' agents one server at a time (they read the super cluster file at start).");
        return Exit.OK;
    }
}
