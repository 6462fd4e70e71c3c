package armd.config;

import armd.base.Exit;
import armd.base.OperatorException;
import armd.config.IniFile.Entry;
import armd.config.IniFile.Section;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Reads and validates a super cluster file into a {@link SuperConfig}, in the cluster file's syntax ({@link IniFile})
 * and with its problem reporting: every problem as {@code FILE:LINE: what is wrong, what to do}.
 * <pre>
 * [super]            name, key-file, master, port, state-dir, start-from-copy, fetch-timeout, poll-interval, timeout
 * [cluster NAME]     servers = NAME ADDRESS, NAME ADDRESS, ...   (one section per cluster, 1 to 32)
 * </pre>
 * The sections and keys, with each simple key's type, range and default, are the table {@link Keys#SUPER}; this
 * class checks the other values and what spans keys and sections. Stateless and thread-safe.
 */
public final class SuperConfigParser {
    /** Default UDP port of the super cluster's frames. */
    public static final int DEFAULT_PORT = 7407;
    /** Default time a starting agent tries to reach a management server. */
    public static final int DEFAULT_FETCH_TIMEOUT_MS = 600_000;
    /** Default time between two checks for a newer version of a cluster's configuration. */
    public static final int DEFAULT_POLL_INTERVAL_MS = 30_000;
    /** Default time one request may take. */
    public static final int DEFAULT_TIMEOUT_MS = 2_000;

    private static final Pattern LIST_SEPARATOR = Pattern.compile("\\s*,\\s*");

    private final boolean ownerMustBeRoot;

    /** A parser that requires a root-owned file and key exactly when this process runs as root. */
    public SuperConfigParser() {
        this(FileSafety.runningAsRoot());
    }

    /** A parser that requires a root-owned file and key when {@code ownerMustBeRoot}. */
    public SuperConfigParser(final boolean ownerMustBeRoot) {
        this.ownerMustBeRoot = ownerMustBeRoot;
    }

    /**
     * The outcome of a parse.
     *
     * @param config   the validated file, or null
     * @param problems what is wrong, in line order; empty when {@code config} is not null
     */
    public record Result(SuperConfig config, List<Problem> problems) {
        /** Whether the file is valid. */
        public boolean valid() {
            return config != null;
        }
    }

    /** Loads {@code file} or throws a one-line {@link OperatorException} (exit 2) with its first problem. */
    public static SuperConfig load(final Path file) {
        final Result r = new SuperConfigParser().parse(file);
        if (r.valid()) {
            return r.config();
        }
        final int more = r.problems().size() - 1;
        throw new OperatorException(Exit.USAGE, r.problems().getFirst() + (more > 0 ? " (and " + more
            + " more: run 'armd check --super " + file + "')" : ""));
    }

    /** Reads and validates {@code file}; never throws for anything wrong in or with it. */
    public Result parse(final Path file) {
        if (!Files.exists(file)) {
            return new Result(null, List.of(new Problem(file, 0, "no such file: give the path of the super "
                + "cluster file (see conf/super.conf.example)")));
        }
        final IniFile.Text text = IniFile.read(file, ownerMustBeRoot);
        if (text.problem() != null) {
            return new Result(null, List.of(text.problem()));
        }
        return new Run(file, text.lines()).run();
    }

    /** One parse. */
    private final class Run {
        private final Path file;
        private final Path dir;
        private final List<String> lines;
        private final List<Problem> problems = new ArrayList<>();

        Run(final Path file, final List<String> lines) {
            this.file = file;
            this.dir = file.toAbsolutePath().getParent();
            this.lines = lines;
        }

        private void problem(final int line, final String message) {
            problems.add(new Problem(file, line, message));
        }

        Result run() {
            final IniFile.Sections parsed = IniFile.sections(lines, Keys.SUPER.grammar(), this::problem);
            if (!parsed.text()) {
                return new Result(null, List.copyOf(problems));
            }
            Section superSection = null;
            final List<Section> clusterSections = new ArrayList<>();
            for (final Section s : parsed.sections()) {
                if (s.type().equals("super")) {
                    if (superSection != null) {
                        problem(s.line(), "a second [super] section (the first is at line " + superSection.line()
                            + "): merge them into one");
                    } else {
                        superSection = s;
                    }
                } else if (s.type().equals("cluster")) {
                    clusterSections.add(s);
                }
            }
            final List<SuperConfig.Cluster> clusters = clusters(clusterSections);
            final SuperConfig config = superSection(superSection, clusters, clusterSections);
            if (!problems.isEmpty() || config == null) {
                problems.sort((a, b) -> Integer.compare(a.line(), b.line()));
                return new Result(null, List.copyOf(problems));
            }
            return new Result(config, List.of());
        }

        private List<SuperConfig.Cluster> clusters(final List<Section> sections) {
            final List<SuperConfig.Cluster> out = new ArrayList<>();
            final Map<String, Integer> clusterLine = new HashMap<>();
            final Map<String, String> serverCluster = new HashMap<>();
            final Map<String, String> addressServer = new HashMap<>();
            if (sections.isEmpty()) {
                problem(0, "no [cluster NAME] section: add one per cluster, with 'servers = NAME ADDRESS, ...'");
            }
            for (final Section s : sections) {
                final Integer earlier = clusterLine.putIfAbsent(s.name(), s.line());
                if (earlier != null) {
                    problem(s.line(), "cluster " + s.name() + " is defined twice (also at line " + earlier
                        + "): rename or remove one");
                    continue;
                }
                if (out.size() == SuperConfig.MAX_CLUSTERS) {
                    problem(s.line(), "cluster " + s.name() + " is one too many: a super cluster has at most "
                        + SuperConfig.MAX_CLUSTERS + " clusters");
                    continue;
                }
                final Entry e = s.entries().get("servers");
                if (e == null) {
                    problem(s.line(), "cluster " + s.name() + " has no servers: add 'servers = NAME ADDRESS, ...', "
                        + "each server's name in the cluster's configuration and its heartbeat address");
                    continue;
                }
                final List<SuperConfig.Member> members = new ArrayList<>();
                for (final String item : LIST_SEPARATOR.split(e.value())) {
                    final String[] w = item.strip().split("\\s+");
                    if (w.length != 2) {
                        problem(e.line(), "'" + item + "' is not 'NAME ADDRESS': give each server as its name and "
                            + "its heartbeat address, e.g. server1 192.0.2.11, separated by commas");
                        continue;
                    }
                    if (!IniFile.NAME.matcher(w[0]).matches()) {
                        problem(e.line(), "server name '" + w[0] + "' is not 1 to 32 letters, digits, '.', '_' or "
                            + "'-' (starting with a letter or digit): use its name in the cluster's configuration");
                        continue;
                    }
                    final InetAddress at = unicast(w[1]);
                    if (at == null) {
                        problem(e.line(), "'" + w[1] + "' is not a unicast IPv4 or IPv6 address (not a link-local "
                            + "one): give server " + w[0] + "'s heartbeat address, e.g. 192.0.2.11 or 2001:db8::11");
                        continue;
                    }
                    final String other = serverCluster.putIfAbsent(w[0], s.name());
                    if (other != null) {
                        problem(e.line(), "server " + w[0] + " is also listed in cluster " + other + ": server "
                            + "names must be unique in the super cluster");
                        continue;
                    }
                    final String owner = addressServer.putIfAbsent(IpLiteral.text(at), w[0]);
                    if (owner != null) {
                        problem(e.line(), "address " + w[1] + " is also given for server " + owner + ": every "
                            + "server needs its own address");
                        continue;
                    }
                    members.add(new SuperConfig.Member(w[0], s.name(), at));
                }
                if (members.size() > ClusterConfig.MAX_SERVERS) {
                    problem(e.line(), "cluster " + s.name() + " lists " + members.size() + " servers: a cluster has "
                        + "at most " + ClusterConfig.MAX_SERVERS);
                }
                out.add(new SuperConfig.Cluster(s.name(), members));
            }
            return List.copyOf(out);
        }

        private SuperConfig superSection(final Section s, final List<SuperConfig.Cluster> clusters,
                                         final List<Section> clusterSections) {
            if (s == null) {
                problem(0, "no [super] section: add one with at least 'name', 'key-file' and 'master'");
                return null;
            }
            final Map<String, Entry> e = s.entries();
            final Entry name = e.get("name");
            if (name == null) {
                problem(s.line(), "[super] has no name: add 'name = NAME' (the same on every server)");
            } else if (!IniFile.NAME.matcher(name.value()).matches()) {
                problem(name.line(), "super cluster name '" + name.value() + "' is not 1 to 32 letters, digits, "
                    + "'.', '_' or '-': rename it");
            }
            final Entry key = e.get("key-file");
            Path keyFile = null;
            if (key == null) {
                problem(s.line(), "[super] has no key-file: add 'key-file = PATH' and create the file with "
                    + "'armd keygen PATH' (a key of its own, not a cluster's)");
            } else {
                keyFile = path(key);
                final String unsafe = keyFile == null ? null : FileSafety.keyFileProblem(keyFile, ownerMustBeRoot);
                if (unsafe != null) {
                    problem(key.line(), unsafe);
                } else if (keyFile != null) {
                    try {
                        ClusterKey.parse(Files.readString(keyFile, StandardCharsets.US_ASCII));
                    } catch (IOException | IllegalArgumentException ex) {
                        problem(key.line(), "key file " + keyFile + ": " + ex.getMessage());
                    }
                }
            }
            final Entry master = e.get("master");
            if (master == null) {
                problem(s.line(), "[super] has no master: add 'master = CLUSTER', the cluster whose servers hold "
                    + "every cluster's configuration");
            } else if (clusters.stream().noneMatch(c -> c.name().equals(master.value()))) {
                problem(master.line(), "master '" + master.value() + "' is not a [cluster NAME] of this file: known "
                    + "clusters are " + String.join(", ", clusterSections.stream().map(Section::name).toList()));
            }
            final int port = Keys.SUPER.key("super", "port").integer(e, this::problem);
            final int generation = Keys.SUPER.key("super", "generation").integer(e, this::problem);
            final Entry sd = e.get("state-dir");
            final Path stateDir = sd == null ? ConfigParser.DEFAULT_STATE_DIR : path(sd);
            final boolean fromCopy = Keys.SUPER.key("super", "start-from-copy").yesNo(e, this::problem);
            final int fetchTimeoutMs = Keys.SUPER.key("super", "fetch-timeout").duration(e, this::problem);
            final int pollMs = Keys.SUPER.key("super", "poll-interval").duration(e, this::problem);
            final String apply = Keys.SUPER.key("super", "apply").choice(e, "auto", this::problem);
            final int timeoutMs = Keys.SUPER.key("super", "timeout").duration(e, this::problem);
            if (name == null || keyFile == null || master == null || stateDir == null) {
                return null;
            }
            return new SuperConfig(file, name.value(), keyFile, master.value(), generation, port, stateDir,
                fromCopy, !"manual".equals(apply), fetchTimeoutMs, pollMs, timeoutMs, clusters);
        }

        /**
         * A server's address in the super cluster file: a unicast IPv4 address, or a unicast IPv6 address that is
         * not link-local (a socket bound to it needs no interface); null when it is neither.
         */
        private static InetAddress unicast(final String text) {
            final IpLiteral ip = IpLiteral.parse(text);
            if (ip == null || ip.zone() != null) {
                return null;
            }
            if (!ip.v6()) {
                final byte[] b = ip.address().getAddress();
                return (b[0] & 0xf0) >= 0xe0 || b[0] == 0 ? null : ip.address();
            }
            return ip.notUnicast6() != null || ip.linkLocal() ? null : ip.address();
        }

        private Path path(final Entry e) {
            try {
                return dir.resolve(e.value()).normalize();
            } catch (InvalidPathException ex) {
                problem(e.line(), e.key() + " '" + e.value() + "' is not a path: " + ex.getReason());
                return null;
            }
        }
    }
}
