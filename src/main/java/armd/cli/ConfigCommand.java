package armd.cli;

import armd.base.Exit;
import armd.base.OperatorException;
import armd.config.ClusterKey;
import armd.config.ConfigParser;
import armd.config.Problem;
import armd.config.SuperConfig;
import armd.config.SuperConfigParser;
import armd.supercluster.ConfigStore;
import armd.supercluster.PushAnswer;
import armd.supercluster.SuperClient;
import armd.supercluster.SuperMember;
import armd.wire.SuperFrame;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * {@code armd config push|versions}: a cluster's configuration to the super cluster's management server, and the
 * versions it holds (docs/behaviour.md#super-cluster). Speaks the super cluster's own authenticated frames, so it
 * needs the super cluster file and key (root).
 */
public final class ConfigCommand implements Command {
    static final String USAGE = """
        usage: armd config push FILE --super SUPERFILE [--base VERSION]
               armd config versions --super SUPERFILE
          push      sends FILE, a cluster's configuration (its [cluster] name says which cluster), or a server's
                    verified copy (STATE_DIR/SERVER/super/CLUSTER.copy), to the management server. It checks it
                    like 'armd check' (without looking at other hosts' scripts and key file), stores it as the
                    next version and answers once a majority of the master cluster stored it; the clusters' agents
                    take it on at their next poll, through the reload path. --base: refuse unless VERSION is the
                    current version (the change was made
                    against it; 0: nothing pushed yet); without it, the version current when the server is asked.
          versions  the management server and the version of every cluster's configuration it holds.
        exit codes: 0 done, 1 refused or not confirmed, 2 usage or invalid configuration, 3 no master server
          answers or system error""";

    private final PrintStream out;

    /** Prints to standard output. */
    public ConfigCommand() {
        this(System.out);
    }

    /** Prints to {@code out}. */
    public ConfigCommand(final PrintStream out) {
        this.out = out;
    }

    @Override
    public int run(final String[] argv) throws Exception {
        final Args args = Args.parse(argv, Set.of("super", "base"), Set.of("help"));
        if (args.flag("help") || args.positionals().isEmpty()) {
            out.println(USAGE);
            return args.flag("help") ? Exit.OK : Exit.USAGE;
        }
        final SuperConfig config = SuperConfigParser.load(Path.of(args.required("super")));
        final byte[] key = ClusterKey.load(config.keyFile());
        return switch (args.positionals().getFirst()) {
            case "push" -> {
                args.maxPositionals(2);
                if (args.positionals().size() != 2) {
                    throw OperatorException.usage("push takes one FILE (see 'armd config --help')");
                }
                yield push(config, key, Path.of(args.positionals().get(1)),
                    args.value("base") == null ? -1 : args.intValue("base", 0, 0, Integer.MAX_VALUE));
            }
            case "versions" -> {
                args.maxPositionals(1);
                yield versions(config, key);
            }
            default -> throw OperatorException.usage("unknown 'armd config " + args.positionals().getFirst()
                + "': push or versions (see 'armd config --help')");
        };
    }

    private int push(final SuperConfig config, final byte[] key, final Path file, final long base) throws IOException {
        final byte[] bytes = fromCopy(readPushed(file), file, key);
        final String cluster = clusterOf(bytes, file, config);
        if (cluster == null) {
            throw OperatorException.usage(file + ": its [cluster] name is not a cluster of super cluster "
                + config.name() + " (" + config.clusters().stream().map(SuperConfig.Cluster::name)
                .collect(Collectors.joining(", ")) + ")");
        }
        try (SuperClient client = new SuperClient(config, key, "armd-config", SuperMember.pushWaitMs(config))) {
            final PushAnswer a = PushAnswer.of(cluster, client.push(cluster, bytes, base));
            if (a.exit() == Exit.OK) {
                out.println(a.text());
                return Exit.OK;
            }
            throw new OperatorException(a.exit(), a.text());
        }
    }

    private int versions(final SuperConfig config, final byte[] key) throws IOException {
        try (SuperClient client = new SuperClient(config, key, "armd-config", config.requestTimeoutMs())) {
            String holder = null;
            final StringBuilder sb = new StringBuilder();
            for (final SuperConfig.Cluster c : config.clusters()) {
                final SuperClient.Reply r = client.askManagement(new SuperFrame.Fetch(c.name(), Long.MAX_VALUE));
                if (!r.answered()) {
                    throw new OperatorException(Exit.SYSTEM, "no management server answers ("
                        + String.join("; ", r.tried()) + ")");
                }
                holder = r.from().name();
                sb.append(String.format("  %-16s %s%n", c.name(), switch (r.body()) {
                    case SuperFrame.Current x -> "version " + x.version();
                    case SuperFrame.None x -> "none pushed";
                    default -> r.body().type().toString();
                }));
            }
            out.print("super cluster " + config.name() + ": management server " + holder + " (master cluster "
                + config.master() + ")\n" + sb);
            return Exit.OK;
        }
    }

    /**
     * The bytes of a configuration file to push: at most {@link SuperFrame#MAX_CONFIG_LENGTH} bytes; a missing,
     * unreadable or bigger file is the operator's problem, told in one line.
     */
    static byte[] readPushed(final Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            final byte[] bytes = in.readNBytes(SuperFrame.MAX_CONFIG_LENGTH + 1);
            if (bytes.length > SuperFrame.MAX_CONFIG_LENGTH) {
                throw OperatorException.usage(file + ": larger than " + SuperFrame.MAX_CONFIG_LENGTH + " bytes, "
                    + "more than a super cluster distributes");
            }
            return bytes;
        } catch (NoSuchFileException e) {
            throw OperatorException.usage(file + ": no such file");
        } catch (IOException e) {
            throw OperatorException.usage(file + ": cannot read: " + OperatorException.reason(e));
        }
    }

    /** A server's verified copy gives its configuration (verified with the key); any other file is itself. */
    static byte[] fromCopy(final byte[] raw, final Path file, final byte[] key) {
        final byte[] head = (ConfigStore.FORMAT + "\n").getBytes(StandardCharsets.UTF_8);
        if (raw.length < head.length || !new String(raw, 0, head.length, StandardCharsets.UTF_8)
            .equals(ConfigStore.FORMAT + "\n")) {
            return raw;
        }
        final String name = file.getFileName().toString();
        final String cluster = name.endsWith(ConfigStore.SUFFIX)
            ? name.substring(0, name.length() - ConfigStore.SUFFIX.length()) : name;
        final ConfigStore.Loaded loaded = ConfigStore.read(file, cluster, key);
        if (loaded.copy() == null) {
            throw OperatorException.usage(loaded.problem() == null ? file + ": not a verified copy" : loaded.problem());
        }
        return loaded.copy().bytes();
    }

    /**
     * The cluster {@code bytes} configure (its {@code [cluster] name}), when it is one of the super cluster's;
     * null when it is not. A configuration with problems is refused here, each problem a line (exit 2).
     */
    static String clusterOf(final byte[] bytes, final Path file, final SuperConfig config) {
        final ConfigParser.Result r = new ConfigParser(false).parse(bytes, file, config.baseDir(), false);
        if (!r.valid()) {
            throw OperatorException.usage(r.problems().stream().map(Problem::toString)
                .collect(Collectors.joining("\n")));
        }
        final String name = r.config().name();
        return config.cluster(name).isPresent() ? name : null;
    }
}
