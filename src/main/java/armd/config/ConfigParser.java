package armd.config;

import armd.base.Exit;
import armd.base.OperatorException;
import armd.cluster.Destination;
import armd.cluster.FailureAction;
import armd.config.IniFile.Entry;
import armd.config.IniFile.Section;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
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
 * Reads and validates a cluster configuration file into a {@link ClusterConfig}, collecting every problem
 * (not just the first) as {@code FILE:LINE: what is wrong, what to do}.
 *
 * <p>The syntax is {@link IniFile}'s; the sections and keys, with each simple key's type, range and default, are the
 * table {@link Keys#CLUSTER} ({@code armd check --keys} prints it, docs/configuration.md holds it):
 * <pre>
 * [cluster]              name, key-file, auto-return, startup-wait, state-dir, socket, max-failovers,
 *                        down-action, crash-action, status-listen, log-level
 * [heartbeat]            port, multicast-group, interval, timeout
 * [server NAME]          address          (one section per server, 1 to 16, in a fixed order)
 * [group NAME]           policy, start, stop, script-timeout
 * [resource NAME]        group, type (ip | disk | nfs) and the type's keys; a group's resources are activated
 *                        in file order
 * [monitor NAME]         group, type, interval, timeout, failures, when, action, destination, reset-after,
 *                        and the keys of its type
 * [disk-heartbeat]       device, sector, interval, timeout (optional: the disk heartbeat path)
 * [tiebreak]             targets, rule, timeout, tries (optional: the ping tiebreak)
 * </pre>
 * This class holds what the table does not (see {@link Keys}): the values of the other keys (addresses, paths,
 * names, lists), required keys, defaults that depend on another key, and the checks across keys and sections.
 *
 * <p>Stateless and thread-safe.
 */
public final class ConfigParser {
    /** Default heartbeat interval. */
    public static final int DEFAULT_INTERVAL_MS = 10;
    /** Default heartbeat timeout: ten missed heartbeats. */
    public static final int DEFAULT_TIMEOUT_MS = 100;
    /** Default heartbeat UDP port. */
    public static final int DEFAULT_PORT = 7405;
    /** Default wait of a starting agent for the other servers. */
    public static final int DEFAULT_STARTUP_WAIT_MS = 30_000;
    /** Default script timeout. */
    public static final int DEFAULT_SCRIPT_TIMEOUT_MS = 60_000;
    /** Default state directory. */
    public static final Path DEFAULT_STATE_DIR = Path.of("/var/lib/armd");
    /** Default control socket. */
    public static final Path DEFAULT_SOCKET = Path.of("/run/armd/armd.sock");

    /** Default time between two probes of a monitor. */
    public static final int MONITOR_DEFAULT_INTERVAL_MS = 1000;
    /** Default time one probe may take. */
    public static final int MONITOR_DEFAULT_TIMEOUT_MS = 500;
    /** Default time a script monitor's command may run. */
    public static final int MONITOR_DEFAULT_SCRIPT_TIMEOUT_MS = 10_000;
    /** Default consecutive failed probes before a probed resource counts as failed (event monitors: 1). */
    public static final int MONITOR_DEFAULT_FAILURES = 3;
    /** Default time a resource must stay normal after a failure to count as normal again. */
    public static final int MONITOR_DEFAULT_RESET_AFTER_MS = 600_000;

    /** PATH_MAX is 4096 bytes including the terminating NUL (linux/limits.h). */
    private static final int MAX_PATH_BYTES = 4095;
    /** Default time between two disk heartbeats of one server. */
    public static final int DEFAULT_DISK_INTERVAL_MS = 100;
    /** Default disk heartbeat timeout, in intervals. */
    public static final int DEFAULT_DISK_TIMEOUT_INTERVALS = 10;
    /** The shortest disk heartbeat timeout, in intervals. */
    public static final int MIN_DISK_TIMEOUT_INTERVALS = 3;
    /** Default time one tiebreak echo may take. */
    public static final int DEFAULT_TIEBREAK_TIMEOUT_MS = 200;
    /** Default echoes per tiebreak target. */
    public static final int DEFAULT_TIEBREAK_TRIES = 3;
    /** Most tiebreak targets (each is pinged at once, on a thread of its own). */
    public static final int MAX_TIEBREAK_TARGETS = 8;

    /** sun_path is 108 bytes including the terminating NUL (linux/un.h). */
    private static final int MAX_SOCKET_PATH_BYTES = 107;
    private static final Pattern NAME = IniFile.NAME;
    private static final Pattern LIST_SEPARATOR = Pattern.compile("\\s*,\\s*");

    /**
     * Default number of probes after a floating IP's first conflict (docs/behaviour.md#floating-ip: at most 5 times).
     */
    public static final int DEFAULT_CONFLICT_RETRIES = 5;
    /** Default time between two conflict probes (docs/behaviour.md#floating-ip: 30 s intervals). */
    public static final int DEFAULT_CONFLICT_RETRY_INTERVAL_MS = 30_000;
    /** Longest Linux interface name in bytes (IFNAMSIZ 16 with the NUL, linux/if.h). */
    private static final int MAX_INTERFACE_NAME = 15;
    private static final Pattern FS_TYPE = Pattern.compile("[a-z0-9][a-z0-9._-]{0,31}");
    private final boolean ownerMustBeRoot;

    private static String monitorKeyHint(final String key) {
        return switch (key) {
            case "target", "server", "address" -> "ADDRESS";
            case "device" -> "/dev/...";
            case "command" -> "PATH";
            case "interface" -> "IFNAME";
            case "pidfile" -> "/run/....pid";
            default -> "VALUE";
        };
    }

    /** A parser that requires root-owned scripts and key file exactly when this process runs as root. */
    public ConfigParser() {
        this(FileSafety.runningAsRoot());
    }

    /** A parser that requires root-owned scripts and key file when {@code ownerMustBeRoot}. */
    public ConfigParser(final boolean ownerMustBeRoot) {
        this.ownerMustBeRoot = ownerMustBeRoot;
    }

    /**
     * The outcome of a parse: a configuration when there is no problem, otherwise null and every problem in
     * file order.
     *
     * @param config   the validated configuration, or null
     * @param problems what is wrong, in line order; empty when {@code config} is not null
     */
    public record Result(ClusterConfig config, List<Problem> problems) {
        /** Whether the file is valid. */
        public boolean valid() {
            return config != null;
        }
    }

    /**
     * Loads {@code file} or throws a one-line {@link OperatorException} (exit 2) with its first problem and how
     * many more there are: for {@code armd run}, where {@code armd check} lists them all.
     */
    public static ClusterConfig load(final Path file) {
        final Result r = new ConfigParser().parse(file);
        if (r.valid()) {
            return r.config();
        }
        final int more = r.problems().size() - 1;
        throw new OperatorException(Exit.USAGE, r.problems().getFirst()
            + (more > 0 ? " (and " + more + " more: run 'armd check --config " + file + "')" : ""));
    }

    /**
     * Reads and validates {@code file}. Never throws for anything wrong in or with the file: a file that is
     * missing, not a regular file, open to others (see {@link FileSafety#configFileProblem}), over 1 MiB or not
     * UTF-8 is one problem, and the file is not read further.
     */
    public Result parse(final Path file) {
        final IniFile.Text text = IniFile.read(file, ownerMustBeRoot);
        if (text.problem() != null) {
            return new Result(null, List.of(text.problem()));
        }
        return new Run(file, file.toAbsolutePath().getParent(), text.lines(), ownerMustBeRoot, true).run();
    }

    /**
     * Validates a configuration that is not a file here: {@code bytes} as a copy of it (at most 1 MiB of UTF-8),
     * its problems naming {@code shownAs}, its relative paths relative to {@code baseDir}. With {@code hostChecks}
     * false the files it names (scripts, key file) are not looked at: they are files of the servers that run it,
     * not of this one (the super cluster's management server checks another cluster's configuration so).
     */
    public Result parse(final byte[] bytes, final Path shownAs, final Path baseDir, final boolean hostChecks) {
        final IniFile.Text text = IniFile.decode(bytes, shownAs);
        if (text.problem() != null) {
            return new Result(null, List.of(text.problem()));
        }
        return new Run(shownAs, baseDir.toAbsolutePath(), text.lines(), ownerMustBeRoot, hostChecks).run();
    }

    /** The state of one parse: the file, its sections, and the problems found so far. */
    private static final class Run {
        private final Path file;
        private final Path dir;
        private final List<String> lines;
        private final boolean ownerMustBeRoot;
        /** Whether the files it names (scripts, key file) are checked: they are this host's. */
        private final boolean hostChecks;
        private final List<Problem> problems = new ArrayList<>();

        Run(final Path file, final Path dir, final List<String> lines, final boolean ownerMustBeRoot,
            final boolean hostChecks) {
            this.file = file;
            this.dir = dir;
            this.lines = lines;
            this.ownerMustBeRoot = ownerMustBeRoot;
            this.hostChecks = hostChecks;
        }

        private void problem(final int line, final String message) {
            problems.add(new Problem(file, line, message));
        }

        Result run() {
            final IniFile.Sections parsed = IniFile.sections(lines, Keys.CLUSTER.grammar(), this::problem);
            if (!parsed.text()) {
                return new Result(null, List.copyOf(problems));
            }
            final List<Section> sections = parsed.sections();
            Section cluster = null;
            Section heartbeat = null;
            Section diskHeartbeat = null;
            Section tiebreak = null;
            final List<Section> serverSections = new ArrayList<>();
            final List<Section> groupSections = new ArrayList<>();
            final List<Section> monitorSections = new ArrayList<>();
            final List<Section> resourceSections = new ArrayList<>();
            for (final Section s : sections) {
                switch (s.type()) {
                    case "cluster" -> cluster = single(s, cluster);
                    case "heartbeat" -> heartbeat = single(s, heartbeat);
                    case "disk-heartbeat" -> diskHeartbeat = single(s, diskHeartbeat);
                    case "tiebreak" -> tiebreak = single(s, tiebreak);
                    case "server" -> serverSections.add(s);
                    case "group" -> groupSections.add(s);
                    case "monitor" -> monitorSections.add(s);
                    case "resource" -> resourceSections.add(s);
                    default -> {
                        // a malformed header, already reported
                    }
                }
            }
            final ClusterConfig.Heartbeat hb = heartbeat(heartbeat);
            final List<ClusterConfig.Server> servers = servers(serverSections);
            multicastFamilies(heartbeat, hb, servers);
            final List<ClusterConfig.Group> groups = resources(resourceSections, groups(groupSections, servers));
            final List<MonitorConfig> monitors = monitors(monitorSections, groups);
            final ClusterConfig.DiskHeartbeat disk = diskHeartbeat(diskHeartbeat, servers.size(), monitors);
            final ClusterConfig.Tiebreak ping = tiebreak(tiebreak);
            final ClusterConfig config = withMonitors(cluster(cluster, hb, servers, groups), monitors);
            if (!problems.isEmpty()) {
                problems.sort((a, b) -> Integer.compare(a.line(), b.line()));
                return new Result(null, List.copyOf(problems));
            }
            return new Result(config.withTiebreak(disk, ping), List.of());
        }

        private Section single(final Section s, final Section earlier) {
            if (earlier != null) {
                problem(s.line(), "a second [" + s.type() + "] section (the first is at line " + earlier.line()
                    + "): merge them into one");
                return earlier;
            }
            return s;
        }

        /** Key {@code name} of {@code section} in the table. */
        private static Keys.Key key(final String section, final String name) {
            return Keys.CLUSTER.key(section, name);
        }

        private ClusterConfig.Heartbeat heartbeat(final Section s) {
            final Map<String, Entry> e = s == null ? Map.of() : s.entries();
            final int port = key("heartbeat", "port").integer(e, this::problem);
            InetAddress group = null;
            InetAddress group6 = null;
            final Entry mg = e.get("multicast-group");
            if (mg != null && !mg.value().equals("none")) {
                final String[] items = LIST_SEPARATOR.split(mg.value());
                for (final String item : items) {
                    if (item.contains(":")) {
                        final InetAddress g6 = multicastGroup6(mg, item);
                        if (g6 != null && group6 != null) {
                            problem(mg.line(), "multicast-group has two IPv6 groups: give at most one IPv6 and one "
                                + "IPv4 group");
                        } else if (g6 != null) {
                            group6 = g6;
                        }
                        continue;
                    }
                    final byte[] a = ipv4(item);
                    final String v = items.length == 1 ? mg.value() : item;
                    if (a == null) {
                        problem(mg.line(), "multicast-group '" + v + "' is not an IPv4 or IPv6 address: give one in "
                            + "239.0.0.0/8 or ff02::/16, or 'none' for unicast to every server's address");
                    } else if ((a[0] & 0xf0) != 0xe0) {
                        problem(mg.line(), "multicast-group " + v + " is not a multicast address (224.0.0.0/4): "
                            + "use an administratively scoped group in 239.0.0.0/8");
                    } else if ((a[0] & 0xff) == 224 && a[1] == 0 && a[2] == 0) {
                        problem(mg.line(), "multicast-group " + v + " is in 224.0.0.0/24, reserved for routing "
                            + "protocols: use an administratively scoped group in 239.0.0.0/8");
                    } else if (group != null) {
                        problem(mg.line(), "multicast-group has two IPv4 groups: give at most one IPv4 and one IPv6 "
                            + "group");
                    } else {
                        group = address(a);
                    }
                }
            }
            final int intervalMs = key("heartbeat", "interval").duration(e, this::problem);
            final int timeoutMs = key("heartbeat", "timeout").duration(e, this::problem);
            if (timeoutMs <= intervalMs) {
                final Entry t = e.get("timeout") != null ? e.get("timeout") : e.get("interval");
                problem(t == null ? 0 : t.line(), "timeout (" + timeoutMs + " ms) must be longer than interval ("
                    + intervalMs + " ms), at least 3 intervals in practice: raise timeout or lower interval");
            }
            return new ClusterConfig.Heartbeat(port, group, group6, intervalMs, timeoutMs);
        }

        /** An IPv6 heartbeat group of [heartbeat] multicast-group, or null (with a problem) when it is not one. */
        private InetAddress multicastGroup6(final Entry mg, final String item) {
            final IpLiteral g = IpLiteral.parse(item);
            if (g == null || g.zone() != null) {
                problem(mg.line(), "multicast-group '" + item + "' is not an IPv6 address" + (g == null ? "" : " "
                    + "(write it without %" + g.zone() + ": the group is joined on each path's own interface)")
                    + ": give a group such as ff02::a12d, or 'none' for unicast to every server's address");
                return null;
            }
            final String why = IpLiteral.notHeartbeatGroup6(g.address());
            if (why != null) {
                problem(mg.line(), "multicast-group " + item + " " + why);
                return null;
            }
            return g.address();
        }

        /**
         * With multicast heartbeats, each heartbeat network's family needs a group of that family, and each group a
         * network of its family (else one of them would be unicast without saying so, or a group would go unused).
         */
        private void multicastFamilies(final Section heartbeat, final ClusterConfig.Heartbeat hb,
                                       final List<ClusterConfig.Server> servers) {
            final Entry mg = heartbeat == null ? null : heartbeat.entries().get("multicast-group");
            if (mg == null || (hb.multicastGroup() == null && hb.multicastGroup6() == null) || servers.isEmpty()) {
                return;
            }
            final ClusterConfig.Server first = servers.getFirst();
            boolean any4 = false;
            boolean any6 = false;
            for (int p = 0; p < first.addresses().size(); p++) {
                final InetAddress a = first.addresses().get(p);
                final boolean v6 = a instanceof java.net.Inet6Address;
                any4 |= !v6;
                any6 |= v6;
                if (hb.groupFor(a) == null) {
                    problem(mg.line(), "multicast-group has no " + (v6 ? "IPv6" : "IPv4") + " group, but heartbeat "
                        + "network " + (p + 1) + " is " + (v6 ? "IPv6" : "IPv4") + " (" + IpLiteral.text(a) + " of "
                        + "server " + first.name() + "): add one, e.g. " + (v6 ? "ff02::a12d" : "239.192.0.1")
                        + ", or write none for unicast");
                    return;
                }
            }
            if (hb.multicastGroup() != null && !any4 || hb.multicastGroup6() != null && !any6) {
                final InetAddress unused = !any4 && hb.multicastGroup() != null ? hb.multicastGroup()
                    : hb.multicastGroup6();
                problem(mg.line(), "multicast-group " + IpLiteral.text(unused) + " is "
                    + (unused instanceof java.net.Inet6Address ? "IPv6" : "IPv4") + " but no heartbeat network is: "
                    + "remove it");
            }
        }

        /** The [disk-heartbeat] section, or null when there is none (or it has problems). */
        private ClusterConfig.DiskHeartbeat diskHeartbeat(final Section s, final int servers,
                                                          final List<MonitorConfig> monitors) {
            if (s == null) {
                return null;
            }
            final Map<String, Entry> e = s.entries();
            final Entry d = e.get("device");
            Path device = null;
            if (d == null) {
                problem(s.line(), "[disk-heartbeat] has no device: add 'device = /dev/disk/by-id/...', the shared "
                    + "cluster partition (the same path on every server)");
            } else {
                device = absolute(d, "device", "/dev/disk/by-id/...");
            }
            final Entry sec = e.get("sector");
            long sector = -1;
            if (sec == null) {
                problem(s.line(), "[disk-heartbeat] has no sector: add 'sector = N', the first of the cluster "
                    + "partition's sectors reserved for it (server i writes sector N + i)");
            } else {
                try {
                    sector = Long.parseLong(sec.value());
                } catch (NumberFormatException ex) {
                    sector = -1;
                }
                if (sector < 0 || sector > (1L << 40)) {
                    problem(sec.line(), "sector '" + sec.value() + "' is not a sector number from 0 to 2^40");
                    sector = -1;
                }
            }
            final int intervalMs = key("disk-heartbeat", "interval").duration(e, this::problem);
            final Entry t = e.get("timeout");
            final int timeoutMs = key("disk-heartbeat", "timeout").duration(e,
                DEFAULT_DISK_TIMEOUT_INTERVALS * intervalMs, this::problem);
            if (t != null && timeoutMs < MIN_DISK_TIMEOUT_INTERVALS * intervalMs) {
                problem(t.line(), "timeout " + t.value() + " is shorter than " + MIN_DISK_TIMEOUT_INTERVALS
                    + " intervals (" + MIN_DISK_TIMEOUT_INTERVALS * intervalMs + " ms): one slow write would make a "
                    + "live server look dead; raise timeout or lower interval");
            }
            if (device == null || sector < 0) {
                return null;
            }
            for (final MonitorConfig m : monitors) {
                if (m.target() instanceof MonitorConfig.Partition p && Path.of(p.device()).normalize().equals(device)
                    && p.sector() < sector + servers && sector < p.sector() + servers) {
                    problem(sec.line(), "sectors " + sector + " to " + (sector + servers - 1) + " of " + device
                        + " overlap those of partition monitor " + m.name() + " (line " + m.line() + ", sectors "
                        + p.sector() + " to " + (p.sector() + servers - 1) + "): give each its own sectors");
                }
            }
            return new ClusterConfig.DiskHeartbeat(device, sector, intervalMs, timeoutMs);
        }

        /** The [tiebreak] section, or null when there is none (or it has problems). */
        private ClusterConfig.Tiebreak tiebreak(final Section s) {
            if (s == null) {
                return null;
            }
            final Map<String, Entry> e = s.entries();
            final Entry t = e.get("targets");
            final List<InetAddress> targets = new ArrayList<>();
            if (t == null) {
                problem(s.line(), "[tiebreak] has no targets: add 'targets = ADDRESS[, ADDRESS...]', addresses "
                    + "outside the cluster every server should reach, e.g. the default gateway");
            } else {
                for (final String item : LIST_SEPARATOR.split(t.value())) {
                    final InetAddress a;
                    try {
                        a = InetAddress.ofLiteral(item);
                    } catch (IllegalArgumentException ex) {
                        problem(t.line(), "target '" + item + "' is not an IPv4 or IPv6 address (no host names): "
                            + "give e.g. the default gateway ('ip route show default')");
                        continue;
                    }
                    if (a.isLoopbackAddress() || a.isAnyLocalAddress() || a.isMulticastAddress()
                        || a instanceof Inet4Address && (a.getAddress()[0] & 0xff) >= 240) {
                        problem(t.line(), "target " + item + " is not a unicast address of another host: give one "
                            + "outside this server, e.g. the default gateway");
                    } else if (targets.contains(a)) {
                        problem(t.line(), "target " + item + " is listed twice: list each once");
                    } else {
                        targets.add(a);
                    }
                }
                if (targets.size() > MAX_TIEBREAK_TARGETS) {
                    problem(t.line(), targets.size() + " targets: at most " + MAX_TIEBREAK_TARGETS);
                }
            }
            final ClusterConfig.Tiebreak.Rule rule = key("tiebreak", "rule").choice(e,
                ClusterConfig.Tiebreak.Rule.class, ClusterConfig.Tiebreak.Rule.ANY, this::problem);
            final int timeoutMs = key("tiebreak", "timeout").duration(e, this::problem);
            final int tries = key("tiebreak", "tries").integer(e, this::problem);
            if (targets.isEmpty()) {
                return null;
            }
            return new ClusterConfig.Tiebreak(targets, rule, timeoutMs, tries);
        }

        private List<ClusterConfig.Server> servers(final List<Section> sections) {
            final List<ClusterConfig.Server> out = new ArrayList<>();
            final Map<String, Integer> nameLine = new HashMap<>();
            final Map<String, String> addressOwner = new HashMap<>();
            int firstCount = -1;
            String firstName = null;
            if (sections.isEmpty()) {
                problem(0, "no [server NAME] section: add one per server (1 to " + ClusterConfig.MAX_SERVERS + ")");
            }
            for (final Section s : sections) {
                final Integer earlier = nameLine.putIfAbsent(s.name(), s.line());
                if (earlier != null) {
                    problem(s.line(), "server " + s.name() + " is defined twice (also at line " + earlier
                        + "): rename or remove one");
                    continue;
                }
                if (out.size() == ClusterConfig.MAX_SERVERS) {
                    problem(s.line(), "server " + s.name() + " is one too many: a cluster has at most "
                        + ClusterConfig.MAX_SERVERS + " servers");
                    continue;
                }
                final List<InetAddress> addresses = new ArrayList<>();
                final List<String> zones = new ArrayList<>();
                final Entry a = s.entries().get("address");
                if (a == null) {
                    problem(s.line(), "server " + s.name() + " has no address: add 'address = ADDRESS[, ADDRESS...]', "
                        + "its IPv4 or IPv6 address on each heartbeat network");
                } else {
                    for (final String item : LIST_SEPARATOR.split(a.value())) {
                        final IpLiteral ip = serverAddress(a, item);
                        if (ip == null) {
                            continue;
                        }
                        final String owner = addressOwner.putIfAbsent(ip.text(), s.name());
                        if (owner != null) {
                            problem(a.line(), "address " + item + " is also given for server " + owner
                                + ": every server needs its own addresses");
                            continue;
                        }
                        if (!out.isEmpty() && addresses.size() < out.getFirst().addresses().size()) {
                            final ClusterConfig.Server first = out.getFirst();
                            final int p = addresses.size();
                            final InetAddress theirs = first.addresses().get(p);
                            if ((theirs instanceof java.net.Inet6Address) != ip.v6()) {
                                problem(a.line(), "address " + item + " of server " + s.name() + " is "
                                    + (ip.v6() ? "IPv6" : "IPv4") + " but server " + first.name() + "'s heartbeat "
                                    + "address " + (p + 1) + " (" + IpLiteral.text(theirs) + ") is "
                                    + (ip.v6() ? "IPv4" : "IPv6") + ": give every server one address on each "
                                    + "heartbeat network, in the same order");
                            } else if (theirs.isLinkLocalAddress() != ip.linkLocal()) {
                                problem(a.line(), "address " + item + " of server " + s.name() + " is "
                                    + (ip.linkLocal() ? "" : "not ") + "link-local but server " + first.name()
                                    + "'s heartbeat address " + (p + 1) + " (" + IpLiteral.text(theirs) + ") is"
                                    + (ip.linkLocal() ? " not" : "") + ": on one heartbeat network, use link-local "
                                    + "addresses on every server or on none");
                            }
                        }
                        addresses.add(ip.address());
                        zones.add(ip.zone() == null ? "" : ip.zone());
                    }
                    if (firstCount < 0) {
                        firstCount = addresses.size();
                        firstName = s.name();
                    } else if (addresses.size() != firstCount) {
                        problem(a.line(), "server " + s.name() + " has " + addresses.size() + " heartbeat address(es) "
                            + "but " + firstName + " has " + firstCount + ": give every server one address on each "
                            + "heartbeat network, in the same order");
                    }
                }
                out.add(new ClusterConfig.Server(out.size(), s.name(), addresses, zones));
            }
            return List.copyOf(out);
        }

        /**
         * One heartbeat address of a [server] address line: a unicast IPv4 address, or a unicast IPv6 address (a
         * link-local one with its interface, fe80::11%eth1); null (with a problem) when it is not one.
         */
        private IpLiteral serverAddress(final Entry a, final String item) {
            final IpLiteral ip = IpLiteral.parse(item);
            if (ip == null) {
                problem(a.line(), "'" + item + "' is not a unicast IPv4 or IPv6 address: give the server's "
                    + "address on the heartbeat network, e.g. 192.0.2.1 or 2001:db8::1" + (IpLiteral.mapped(item)
                    ? " (write an IPv4-mapped address as the IPv4 address itself)" : ""));
                return null;
            }
            if (!ip.v6()) {
                final byte[] b = ip.address().getAddress();
                if ((b[0] & 0xf0) >= 0xe0 || b[0] == 0) {
                    problem(a.line(), "'" + item + "' is not a unicast IPv4 or IPv6 address: give the server's "
                        + "address on the heartbeat network, e.g. 192.0.2.1 or 2001:db8::1");
                    return null;
                }
                return ip;
            }
            final String not = ip.notUnicast6();
            if (not != null) {
                problem(a.line(), "'" + item + "' is " + not + ", not a unicast address: give the server's address "
                    + "on the heartbeat network, e.g. 2001:db8::1");
                return null;
            }
            return zoned(a, item, ip, "the server's interface on that network") ? ip : null;
        }

        /**
         * Whether {@code ip}'s zone is right: a link-local IPv6 address needs one (an interface name), any other
         * address takes none; else a problem naming {@code whose}, the interface wanted.
         */
        private boolean zoned(final Entry e, final String item, final IpLiteral ip, final String whose) {
            if (ip.linkLocal() && ip.zone() == null) {
                problem(e.line(), item + " is link-local: write it with its interface, " + item + "%eth0 ("
                    + whose + ")");
                return false;
            }
            if (!ip.linkLocal() && ip.zone() != null) {
                problem(e.line(), item + " is not link-local: write it without %" + ip.zone());
                return false;
            }
            if (ip.zone() != null && !interfaceNameOk(ip.zone())) {
                problem(e.line(), "'" + ip.zone() + "' in " + item + " is not an interface name (1 to "
                    + MAX_INTERFACE_NAME + " bytes, no '/', ':' or space, not . or ..): give it as 'ip link' shows "
                    + "it, e.g. eth0");
                return false;
            }
            return true;
        }

        private List<ClusterConfig.Group> groups(final List<Section> sections,
                                                 final List<ClusterConfig.Server> servers) {
            final List<ClusterConfig.Group> out = new ArrayList<>();
            final Map<String, Integer> nameLine = new HashMap<>();
            final Map<String, Integer> serverIds = new HashMap<>();
            for (final ClusterConfig.Server s : servers) {
                serverIds.put(s.name(), s.id());
            }
            for (final Section s : sections) {
                final Integer earlier = nameLine.putIfAbsent(s.name(), s.line());
                if (earlier != null) {
                    problem(s.line(), "group " + s.name() + " is defined twice (also at line " + earlier
                        + "): rename or remove one");
                    continue;
                }
                final List<Integer> policy = policy(s, serverIds);
                final Path start = script(s, "start");
                final Path stop = script(s, "stop");
                final int timeoutMs = key("group", "script-timeout").duration(s.entries(), this::problem);
                out.add(new ClusterConfig.Group(out.size(), s.name(), policy, start, stop, timeoutMs));
            }
            return List.copyOf(out);
        }

        private List<Integer> policy(final Section s, final Map<String, Integer> serverIds) {
            final Entry p = s.entries().get("policy");
            if (p == null) {
                problem(s.line(), "group " + s.name() + " has no policy: add 'policy = SERVER[, SERVER...]', the "
                    + "servers that may run it, primary first");
                return List.of();
            }
            final String[] names = LIST_SEPARATOR.split(p.value());
            final List<Integer> ids = new ArrayList<>();
            for (final String n : names) {
                final Integer id = serverIds.get(n);
                if (n.isEmpty()) {
                    problem(p.line(), "empty server name in policy: separate server names with single commas");
                } else if (id == null) {
                    problem(p.line(), "unknown server '" + n + "' in the policy of group " + s.name()
                        + ": known servers are " + String.join(", ", serverIds.keySet().stream().sorted().toList()));
                } else if (ids.contains(id)) {
                    problem(p.line(), "server " + n + " appears twice in the policy of group " + s.name()
                        + ": list each server once");
                } else {
                    ids.add(id);
                }
            }
            if (names.length > ClusterConfig.MAX_SERVERS) {
                problem(p.line(), "the policy of group " + s.name() + " lists " + names.length + " servers: at most "
                    + ClusterConfig.MAX_SERVERS);
            }
            return List.copyOf(ids);
        }

        /**
         * Reads the [resource NAME] sections and returns {@code groups} with each group's resources attached, in
         * file order (the activation order).
         */
        private List<ClusterConfig.Group> resources(final List<Section> sections,
                                                    final List<ClusterConfig.Group> groups) {
            final Map<String, List<ClusterConfig.Resource>> byGroup = new HashMap<>();
            final Map<String, Integer> nameLine = new HashMap<>();
            final Map<String, String> addressOwner = new HashMap<>();
            final Map<Path, String> mountOwner = new HashMap<>();
            for (final Section s : sections) {
                final Integer earlier = nameLine.putIfAbsent(s.name(), s.line());
                if (earlier != null) {
                    problem(s.line(), "resource " + s.name() + " is defined twice (also at line " + earlier
                        + "): rename or remove one");
                    continue;
                }
                final Map<String, Entry> e = s.entries();
                final Entry g = e.get("group");
                if (g == null) {
                    problem(s.line(), "resource " + s.name() + " has no group: add 'group = NAME', the group it "
                        + "belongs to");
                } else if (groups.stream().noneMatch(x -> x.name().equals(g.value()))) {
                    problem(g.line(), "unknown group '" + g.value() + "' for resource " + s.name() + ": known groups "
                        + "are " + String.join(", ", groups.stream().map(ClusterConfig.Group::name).toList()));
                }
                final Entry t = e.get("type");
                if (t == null) {
                    problem(s.line(), "resource " + s.name() + " has no type: add 'type = ip', 'type = disk' or "
                        + "'type = nfs'");
                    continue;
                }
                final List<String> keys = Keys.CLUSTER.names("resource", t.value());
                if (keys.isEmpty()) {
                    problem(t.line(), "unknown resource type '" + t.value() + "': use ip (floating IP), disk "
                        + "(switchable disk partition) or nfs (NFS mount)");
                    continue;
                }
                for (final Entry x : e.values()) {
                    if (!x.key().equals("group") && !x.key().equals("type") && !keys.contains(x.key())) {
                        problem(x.line(), "'" + x.key() + "' is not a key of a resource of type " + t.value()
                            + ": its keys are " + String.join(", ", keys));
                    }
                }
                final ClusterConfig.Resource r = switch (t.value()) {
                    case "ip" -> floatingIp(s, addressOwner);
                    case "disk" -> disk(s, mountOwner);
                    default -> nfs(s, mountOwner);
                };
                if (g != null && r != null) {
                    byGroup.computeIfAbsent(g.value(), k -> new ArrayList<>()).add(r);
                }
            }
            final List<ClusterConfig.Group> out = new ArrayList<>();
            for (final ClusterConfig.Group g : groups) {
                out.add(new ClusterConfig.Group(g.id(), g.name(), g.policy(), g.startScript(), g.stopScript(),
                    g.scriptTimeoutMs(), byGroup.getOrDefault(g.name(), List.of())));
            }
            return List.copyOf(out);
        }

        private Entry required(final Section s, final String key, final String example) {
            final Entry e = s.entries().get(key);
            if (e == null) {
                problem(s.line(), "resource " + s.name() + " has no " + key + ": add '" + key + " = " + example + "'");
            }
            return e;
        }

        private ClusterConfig.FloatingIp floatingIp(final Section s, final Map<String, String> addressOwner) {
            final Map<String, Entry> e = s.entries();
            final Entry a = required(s, "address", "192.0.2.100/24");
            final Entry i = required(s, "interface", "eth0");
            InetAddress address = null;
            int prefixLen = 0;
            if (a != null) {
                final int slash = a.value().indexOf('/');
                final String text = slash < 0 ? a.value() : a.value().substring(0, slash);
                final String p = slash < 0 ? "" : a.value().substring(slash + 1);
                prefixLen = p.matches("\\d{1,3}") ? Integer.parseInt(p) : -1;
                if (text.contains(":")) {
                    address = floatingIp6(a, text, p, slash, prefixLen);
                } else {
                    address = floatingIp4(a, text, p, slash, prefixLen);
                }
                if (address != null) {
                    final String canonical = IpLiteral.text(address);
                    final String owner = addressOwner.putIfAbsent(canonical, s.name());
                    if (owner != null) {
                        problem(a.line(), "address " + canonical + " is also the floating IP of resource " + owner
                            + ": every floating IP needs its own address");
                    }
                }
            }
            final String ifName = interfaceName(i);
            final int retries = key("resource", "conflict-retries").integer(e, this::problem);
            final int retryMs = key("resource", "conflict-retry-interval").duration(e, this::problem);
            final boolean anySubnet = key("resource", "any-subnet").yesNo(e, this::problem);
            final boolean v6 = address instanceof java.net.Inet6Address;
            // the schedule's keys name the protocol: arp-* for an IPv4 address, ndp-* for an IPv6 one
            final String mine = v6 ? "ndp-" : "arp-";
            final String other = v6 ? "arp-" : "ndp-";
            for (final Entry x : e.values()) {
                if (address != null && x.key().startsWith(other)) {
                    problem(x.line(), x.key() + " is for " + (v6 ? "IPv4" : "IPv6") + " addresses, and "
                        + a.value() + " is " + (v6 ? "IPv6" : "IPv4") + ": write " + mine
                        + x.key().substring(other.length()));
                }
            }
            final ClusterConfig.Arp arp = new ClusterConfig.Arp(
                key("resource", mine + "probes").integer(e, this::problem),
                key("resource", mine + "probe-interval").duration(e, this::problem),
                key("resource", mine + "probe-wait").duration(e, this::problem),
                key("resource", mine + "announcements").integer(e, this::problem),
                key("resource", mine + "announce-interval").duration(e, this::problem));
            if (address == null || ifName == null) {
                return null;
            }
            return new ClusterConfig.FloatingIp(s.name(), address, prefixLen, ifName, retries, retryMs, anySubnet, arp);
        }

        /** A floating IPv4 address with its prefix, or null (with a problem). */
        private InetAddress floatingIp4(final Entry a, final String text, final String p, final int slash,
                                        final int prefixLen) {
            final byte[] b = ipv4(text);
            if (b == null || (b[0] & 0xf0) >= 0xe0 || b[0] == 0 || b[0] == 127) {
                problem(a.line(), "'" + a.value() + "' is not a unicast IPv4 address with a prefix: write e.g. "
                    + "192.0.2.100/24");
            } else if (slash < 0) {
                problem(a.line(), "address " + a.value() + " has no prefix length: write it as ADDRESS/PREFIX, "
                    + "e.g. " + a.value() + "/24, with the prefix of the interface's network");
            } else if (prefixLen < 1 || prefixLen > 32) {
                problem(a.line(), "prefix '/" + p + "' of address " + a.value() + " is not 1 to 32: give the "
                    + "prefix length of the interface's network, e.g. /24");
            } else if (prefixLen <= 30 && (hostBits(b, prefixLen) == 0
                || hostBits(b, prefixLen) == (1L << (32 - prefixLen)) - 1)) {
                problem(a.line(), "address " + a.value() + " is the " + (hostBits(b, prefixLen) == 0 ? "network"
                    : "broadcast") + " address of its subnet: choose a host address");
            } else {
                return address(b);
            }
            return null;
        }

        /**
         * A floating IPv6 address with its prefix, or null (with a problem): a unicast address other than the
         * loopback, without zone (the interface is 'interface'), not the subnet-router anycast address of its prefix.
         */
        private InetAddress floatingIp6(final Entry a, final String text, final String p, final int slash,
                                        final int prefixLen) {
            final IpLiteral ip = IpLiteral.parse(text);
            if (ip == null || !ip.v6()) {
                problem(a.line(), "'" + a.value() + "' is not a unicast IPv6 address with a prefix: write e.g. "
                    + "2001:db8::100/64" + (IpLiteral.mapped(text) ? " (write an IPv4-mapped address as the IPv4 "
                    + "address itself)" : ""));
            } else if (ip.zone() != null) {
                problem(a.line(), "address " + a.value() + ": write it without %" + ip.zone() + ": the interface is "
                    + "given by 'interface'");
            } else if (ip.notUnicast6() != null || ip.address().isLoopbackAddress()) {
                problem(a.line(), "address " + a.value() + " is " + (ip.address().isLoopbackAddress()
                    ? "the loopback address" : ip.notUnicast6()) + ", not a unicast host address: write e.g. "
                    + "2001:db8::100/64");
            } else if (slash < 0) {
                problem(a.line(), "address " + a.value() + " has no prefix length: write it as ADDRESS/PREFIX, "
                    + "e.g. " + a.value() + "/64, with the prefix of the interface's network");
            } else if (prefixLen < 1 || prefixLen > 128) {
                problem(a.line(), "prefix '/" + p + "' of address " + a.value() + " is not 1 to 128: give the "
                    + "prefix length of the interface's network, e.g. /64");
            } else if (prefixLen <= 126 && IpLiteral.hostBitsZero(ip.address().getAddress(), prefixLen)) {
                problem(a.line(), "address " + a.value() + " is the subnet-router anycast address of its prefix "
                    + "(RFC 4291): choose a host address");
            } else {
                return ip.address();
            }
            return null;
        }

        private static long hostBits(final byte[] b, final int prefixLen) {
            final long v = (b[0] & 0xffL) << 24 | (b[1] & 0xff) << 16 | (b[2] & 0xff) << 8 | b[3] & 0xff;
            return v & ((1L << (32 - prefixLen)) - 1);
        }

        private ClusterConfig.Disk disk(final Section s, final Map<Path, String> mountOwner) {
            final Map<String, Entry> e = s.entries();
            final Path device = absolute(required(s, "device", "/dev/sdb1"), "device", "/dev/disk/by-uuid/UUID");
            final Path mountPoint = mountPoint(s, mountOwner);
            final Entry f = required(s, "fs-type", "ext4");
            if (f != null && !FS_TYPE.matcher(f.value()).matches()) {
                problem(f.line(), "'" + f.value() + "' is not a file system type: give the type as mount(8) takes "
                    + "it, e.g. ext4 or xfs");
            }
            final String options = mountOptions(e.get("mount-options"));
            final boolean fsck = key("resource", "fsck").yesNo(e, this::problem);
            final boolean requireScsi = key("resource", "require-scsi").yesNo(e, this::problem);
            if (device == null || mountPoint == null || f == null) {
                return null;
            }
            return new ClusterConfig.Disk(s.name(), device, mountPoint, f.value(), options, fsck, requireScsi);
        }

        private ClusterConfig.Nfs nfs(final Section s, final Map<Path, String> mountOwner) {
            final Map<String, Entry> e = s.entries();
            final Entry sv = required(s, "server", "192.0.2.50");
            InetAddress server = null;
            if (sv != null) {
                final IpLiteral ip = IpLiteral.parse(sv.value());
                final byte[] b = ip == null ? null : ip.address().getAddress();
                if (ip == null || !ip.v6() && ((b[0] & 0xf0) >= 0xe0 || b[0] == 0)
                    || ip.v6() && ip.notUnicast6() != null) {
                    problem(sv.line(), "'" + sv.value() + "' is not a unicast IPv4 or IPv6 address: give the NFS "
                        + "server's address (no host names: the agent must not depend on DNS at failover)");
                } else if (ip.linkLocal() || ip.zone() != null) {
                    problem(sv.line(), "NFS server " + sv.value() + " is link-local: give its global or unique local "
                        + "address (an NFS mount names no interface)");
                } else {
                    server = ip.address();
                }
            }
            final Entry x = required(s, "export", "/srv/export");
            if (x != null && (!x.value().startsWith("/") || x.value().chars().anyMatch(Character::isWhitespace))) {
                problem(x.line(), "export '" + x.value() + "' is not an absolute path: give the path the server "
                    + "exports, e.g. /srv/export");
            }
            final Path mountPoint = mountPoint(s, mountOwner);
            final String options = mountOptions(e.get("mount-options"));
            if (server == null || x == null || !x.value().startsWith("/") || mountPoint == null) {
                return null;
            }
            return new ClusterConfig.Nfs(s.name(), server, x.value(), mountPoint, options);
        }

        private Path mountPoint(final Section s, final Map<Path, String> mountOwner) {
            final Entry m = s.entries().get("mount-point");
            final Path p = absolute(required(s, "mount-point", "/mnt/" + s.name()), "mount-point",
                "/mnt/" + s.name());
            if (p == null) {
                return null;
            }
            if (p.getParent() == null) {
                problem(m.line(), "mount-point / cannot be a group's mount point: give a directory below it");
                return null;
            }
            final String owner = mountOwner.putIfAbsent(p, s.name());
            if (owner != null) {
                problem(m.line(), "mount-point " + p + " is also the mount point of resource " + owner
                    + ": give each disk or NFS resource its own directory");
            }
            return p;
        }

        /** An absolute, normalised path, or null (with a problem); relative paths are refused, not resolved. */
        private Path absolute(final Entry e, final String what, final String example) {
            if (e == null) {
                return null;
            }
            if (!e.value().startsWith("/")) {
                problem(e.line(), what + " '" + e.value() + "' is not an absolute path: write it from /, e.g. "
                    + example);
                return null;
            }
            return path(e);
        }

        private String mountOptions(final Entry e) {
            if (e == null) {
                return "";
            }
            if (e.value().chars().anyMatch(Character::isWhitespace)) {
                problem(e.line(), "mount-options '" + e.value() + "' contains a space: separate options with "
                    + "commas only, e.g. noatime,nodev");
            }
            return e.value();
        }

        private Path script(final Section s, final String key) {
            final Entry e = s.entries().get(key);
            if (e == null) {
                problem(s.line(), "group " + s.name() + " has no " + key + " script: add '" + key + " = PATH'"
                    + " (relative to this file's directory)");
                return null;
            }
            final Path p = path(e);
            final String unsafe = p == null || !hostChecks ? null : FileSafety.scriptProblem(p, ownerMustBeRoot);
            if (unsafe != null) {
                problem(e.line(), unsafe);
            }
            return p;
        }

        private ClusterConfig cluster(final Section s, final ClusterConfig.Heartbeat hb,
                                      final List<ClusterConfig.Server> servers,
                                      final List<ClusterConfig.Group> groups) {
            if (s == null) {
                problem(0, "no [cluster] section: add one with at least 'name' and 'key-file'");
                return null;
            }
            final Map<String, Entry> e = s.entries();
            final Entry name = e.get("name");
            if (name == null) {
                problem(s.line(), "[cluster] has no name: add 'name = NAME' (the same on every server)");
            } else if (!NAME.matcher(name.value()).matches()) {
                problem(name.line(), "cluster name '" + name.value() + "' is not 1 to 32 letters, digits, '.', '_' "
                    + "or '-': rename it");
            }
            final Entry key = e.get("key-file");
            Path keyFile = null;
            if (key == null) {
                problem(s.line(), "[cluster] has no key-file: add 'key-file = PATH' and create the file with "
                    + "'armd keygen PATH'");
            } else {
                keyFile = path(key);
                final String unsafe = keyFile == null || !hostChecks ? null
                    : FileSafety.keyFileProblem(keyFile, ownerMustBeRoot);
                if (unsafe != null) {
                    problem(key.line(), unsafe);
                } else if (keyFile != null && hostChecks) {
                    try {
                        ClusterKey.parse(Files.readString(keyFile, StandardCharsets.US_ASCII));
                    } catch (IOException | IllegalArgumentException ex) {
                        problem(key.line(), "key file " + keyFile + ": " + ex.getMessage());
                    }
                }
            }
            final boolean autoReturn = key("cluster", "auto-return").yesNo(e, this::problem);
            final int startupWaitMs = key("cluster", "startup-wait").duration(e, this::problem);
            final Entry sd = e.get("state-dir");
            final Path stateDir = sd == null ? DEFAULT_STATE_DIR : path(sd);
            final Entry so = e.get("socket");
            final Path socket = so == null ? DEFAULT_SOCKET : path(so);
            if (socket != null && socket.toString().getBytes(StandardCharsets.UTF_8).length > MAX_SOCKET_PATH_BYTES) {
                problem(so == null ? s.line() : so.line(), "socket path " + socket + " is longer than "
                    + MAX_SOCKET_PATH_BYTES + " bytes, the limit of a UNIX socket: choose a shorter one");
            }
            final int maxFailovers = key("cluster", "max-failovers").integer(e, this::problem);
            final ClusterConfig.DownAction down = key("cluster", "down-action").choice(e,
                ClusterConfig.DownAction.class, ClusterConfig.Actions.DEFAULTS.downAction(), this::problem);
            final ClusterConfig.CrashAction crash = key("cluster", "crash-action").choice(e,
                ClusterConfig.CrashAction.class, ClusterConfig.Actions.DEFAULTS.crashAction(), this::problem);
            final java.net.InetSocketAddress statusListen = statusListen(e.get("status-listen"));
            final String level = key("cluster", "log-level").choice(e, null, this::problem);
            final armd.base.AgentLog.Level logLevel = level == null ? null : armd.base.AgentLog.Level.of(level);
            if (groups.size() > armd.cluster.ClusterNode.MAX_GROUPS) {
                problem(0, groups.size() + " groups: at most " + armd.cluster.ClusterNode.MAX_GROUPS
                    + " fit in one heartbeat; merge some");
            }
            return new ClusterConfig(file, name == null ? null : name.value(), keyFile, hb, autoReturn,
                startupWaitMs, stateDir, socket, servers, groups, List.of(),
                new ClusterConfig.Actions(maxFailovers, down, crash, statusListen, logLevel));
        }

        /** [cluster] status-listen: off, or ADDRESS:PORT with a literal IPv4 address or [IPv6]:PORT. */
        private java.net.InetSocketAddress statusListen(final Entry e) {
            if (e == null) {
                return ClusterConfig.Actions.DEFAULT_STATUS_LISTEN;
            }
            final String v = e.value();
            if (v.equals("off")) {
                return null;
            }
            final int colon = v.lastIndexOf(':');
            final String host = colon > 0 ? v.substring(0, colon) : "";
            final String literal = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1)
                : host;
            int port = -1;
            try {
                port = Integer.parseInt(v.substring(colon + 1));
            } catch (NumberFormatException | IndexOutOfBoundsException ex) {
                // reported below
            }
            final boolean literalOk = literal.matches("[0-9.]+") && literal.chars().filter(c -> c == '.').count() == 3
                || literal.contains(":") && host.startsWith("[");
            if (colon <= 0 || port < 1 || port > 65535 || !literalOk) {
                problem(e.line(), "status-listen '" + v + "' is not ADDRESS:PORT (e.g. 127.0.0.1:7406, [::1]:7406) "
                    + "or off");
                return null;
            }
            try {
                return new java.net.InetSocketAddress(java.net.InetAddress.ofLiteral(literal), port);
            } catch (IllegalArgumentException ex) {
                problem(e.line(), "status-listen '" + v + "': " + literal + " is not an IP address");
                return null;
            }
        }

        /**
         * The path {@code e}'s value names, relative to the file's directory: the one place where a value becomes
         * a {@link Path}. Null (with a problem) when it cannot be one the kernel takes.
         */
        private Path path(final Entry e) {
            final int bytes = e.value().getBytes(StandardCharsets.UTF_8).length;
            if (bytes > MAX_PATH_BYTES) {
                problem(e.line(), e.key() + " is a path of " + bytes + " bytes: the longest path Linux takes is "
                    + MAX_PATH_BYTES + " bytes");
                return null;
            }
            try {
                return dir.resolve(e.value()).normalize();
            } catch (InvalidPathException ex) {
                problem(e.line(), e.key() + " '" + e.value() + "' is not a path: " + ex.getReason());
                return null;
            }
        }

        // -------------------------------------------- [monitor NAME] sections (docs/behaviour.md#resource-monitoring)

        private static ClusterConfig withMonitors(final ClusterConfig config, final List<MonitorConfig> monitors) {
            return config == null ? null : config.withMonitors(monitors);
        }

        private List<MonitorConfig> monitors(final List<Section> sections, final List<ClusterConfig.Group> groups) {
            final List<MonitorConfig> out = new ArrayList<>();
            final Map<String, Integer> nameLine = new HashMap<>();
            for (final Section s : sections) {
                final Integer earlier = nameLine.putIfAbsent(s.name(), s.line());
                if (earlier != null) {
                    problem(s.line(), "monitor " + s.name() + " is defined twice (also at line " + earlier
                        + "): rename or remove one");
                    continue;
                }
                final MonitorConfig m = monitor(s, groups);
                if (m != null) {
                    out.add(m);
                }
            }
            return List.copyOf(out);
        }

        /** One monitor, or null (with problems) when its group or type is missing or wrong. */
        private MonitorConfig monitor(final Section s, final List<ClusterConfig.Group> groups) {
            final Map<String, Entry> e = s.entries();
            final String what = "monitor " + s.name();
            final Entry g = e.get("group");
            int groupId = -1;
            if (g == null) {
                problem(s.line(), what + " has no group: add 'group = NAME', the group it watches for");
            } else {
                for (final ClusterConfig.Group group : groups) {
                    if (group.name().equals(g.value())) {
                        groupId = group.id();
                    }
                }
                if (groupId < 0) {
                    problem(g.line(), "unknown group '" + g.value() + "' for " + what + ": known groups are "
                        + String.join(", ", groups.stream().map(ClusterConfig.Group::name).toList()));
                }
            }
            final Entry t = e.get("type");
            if (t == null) {
                problem(s.line(), what + " has no type: add 'type = TYPE', one of "
                    + String.join(", ", Keys.CLUSTER.variants("monitor")));
                return null;
            }
            final List<String> typeKeys = Keys.CLUSTER.names("monitor", t.value());
            if (typeKeys.isEmpty()) {
                problem(t.line(), "unknown monitor type '" + t.value() + "': one of "
                    + String.join(", ", Keys.CLUSTER.variants("monitor")));
                return null;
            }
            final List<String> common = Keys.CLUSTER.common("monitor");
            for (final Entry x : e.values()) {
                if (!common.contains(x.key()) && !typeKeys.contains(x.key())) {
                    problem(x.line(), "'" + x.key() + "' does not apply to a " + t.value() + " monitor: its keys are "
                        + String.join(", ", typeKeys) + " (and the common ones)");
                }
            }
            final Entry required = e.get(typeKeys.getFirst());
            if (required == null) {
                problem(s.line(), what + " (" + t.value() + ") has no " + typeKeys.getFirst() + ": add '"
                    + typeKeys.getFirst() + " = " + monitorKeyHint(typeKeys.getFirst()) + "'");
            }
            final boolean events = t.value().equals("link") || t.value().equals("process") || t.value().equals("ip");
            final int intervalMs = key("monitor", "interval").duration(e, this::problem);
            final int timeoutMs = key("monitor", "timeout").duration(e, t.value().equals("script")
                ? MONITOR_DEFAULT_SCRIPT_TIMEOUT_MS : MONITOR_DEFAULT_TIMEOUT_MS, this::problem);
            final int failures = key("monitor", "failures").integer(e, events ? 1 : MONITOR_DEFAULT_FAILURES,
                this::problem);
            final MonitorConfig.When when = when(e, t.value());
            final FailureAction action = key("monitor", "action").choice(e, FailureAction.class,
                FailureAction.FAILOVER, this::problem);
            final Destination destination = key("monitor", "destination").choice(e, Destination.class,
                Destination.PRIORITY, this::problem);
            final int resetAfterMs = key("monitor", "reset-after").duration(e, this::problem);
            final MonitorConfig.Target target = required == null ? null : target(t.value(), e);
            if (target == null || groupId < 0) {
                return null;
            }
            return new MonitorConfig(s.name(), s.line(), groupId, intervalMs, timeoutMs, failures, when, action,
                destination, resetAfterMs, target);
        }

        private MonitorConfig.When when(final Map<String, Entry> entries, final String type) {
            final MonitorConfig.When def = switch (type) {
                case "partition", "link", "process" -> MonitorConfig.When.ONLINE;
                case "ip", "script" -> MonitorConfig.When.ACTIVATION;
                default -> MonitorConfig.When.BOTH;
            };
            final MonitorConfig.When w = key("monitor", "when").choice(entries, MonitorConfig.When.class, def,
                this::problem);
            final Entry e = entries.get("when");
            if (e != null && w.atActivation() && (type.equals("link") || type.equals("process"))) {
                problem(e.line(), "a " + type + " monitor watches events while the group is online: write "
                    + "'when = online' or remove the line");
                return MonitorConfig.When.ONLINE;
            }
            return w;
        }

        /** The target of a monitor whose required key is present; null (with a problem) when a value is wrong. */
        private MonitorConfig.Target target(final String type, final Map<String, Entry> e) {
            return switch (type) {
                case "ping" -> {
                    final InetAddress a = literal(e.get("target"), "the address to ping, e.g. the default "
                        + "gateway 192.0.2.254", e.get("interface") != null ? null : "add 'interface = IFNAME', the "
                        + "interface it is reached through");
                    final String ifName = interfaceName(e.get("interface"));
                    yield a == null ? null : new MonitorConfig.Ping(a, ifName);
                }
                case "nfs" -> {
                    final InetAddress a = literal(e.get("server"), "the NFS server's address", "give the NFS "
                        + "server's global or unique local address");
                    yield a == null ? null : new MonitorConfig.Nfs(a);
                }
                case "disk" -> {
                    final String d = device(e.get("device"));
                    yield d == null ? null : new MonitorConfig.Disk(d);
                }
                case "partition" -> {
                    final String d = device(e.get("device"));
                    final Entry sec = e.get("sector");
                    long sector = 0;
                    if (sec == null) {
                        problem(e.get("device").line(), "a partition monitor needs 'sector = N': the first of the "
                            + "cluster partition's sectors reserved for it (server N uses sector + N)");
                        yield null;
                    }
                    try {
                        sector = Long.parseLong(sec.value());
                    } catch (NumberFormatException ex) {
                        sector = -1;
                    }
                    if (sector < 0 || sector > (1L << 40)) {
                        problem(sec.line(), "sector '" + sec.value() + "' is not a sector number from 0 to 2^40");
                        yield null;
                    }
                    yield d == null ? null : new MonitorConfig.Partition(d, sector);
                }
                case "ip" -> {
                    final InetAddress a = literal(e.get("address"), "the floating IP address, without prefix", null);
                    if (e.get("interface") == null) {
                        problem(e.get("address").line(), "an ip monitor needs 'interface = IFNAME': the interface "
                            + "that holds the address");
                        yield null;
                    }
                    final String ifName = interfaceName(e.get("interface"));
                    yield a == null || ifName == null ? null : new MonitorConfig.Ip(a, ifName);
                }
                case "script" -> {
                    final Entry c = e.get("command");
                    final Path p = path(c);
                    if (p == null) {
                        yield null;
                    }
                    final String unsafe = hostChecks ? FileSafety.scriptProblem(p, ownerMustBeRoot) : null;
                    if (unsafe != null) {
                        problem(c.line(), unsafe);
                        yield null;
                    }
                    yield new MonitorConfig.Script(p);
                }
                case "link" -> {
                    final String ifName = interfaceName(e.get("interface"));
                    yield ifName == null ? null : new MonitorConfig.Link(ifName);
                }
                case "process" -> {
                    final Path p = path(e.get("pidfile"));
                    yield p == null ? null : new MonitorConfig.Process(p);
                }
                default -> throw new IllegalStateException(type);
            };
        }

        /**
         * A monitor's address: a literal unicast IPv4 or IPv6 address, or null (with a problem). A link-local IPv6
         * address takes its interface from the monitor's 'interface' key, never from a %zone; {@code linkLocal}
         * says whether the monitor can use one at all (ping with an interface, ip) and what to do otherwise.
         */
        private InetAddress literal(final Entry e, final String hint, final String linkLocal) {
            final String v = e.value();
            final int pct = v.indexOf('%');
            final IpLiteral ip = IpLiteral.parse(v);
            if (ip == null) {
                problem(e.line(), e.key() + " '" + v + "' is not an IPv4 or IPv6 address (no host names): "
                    + "give " + hint + (IpLiteral.mapped(v) ? " (write an IPv4-mapped address as the IPv4 address "
                    + "itself)" : ""));
                return null;
            }
            if (pct >= 0) {
                problem(e.line(), e.key() + " " + v + ": write the address without %" + ip.zone() + (linkLocal == null
                    ? " and add 'interface = " + ip.zone() + "'" : ""));
                return null;
            }
            final byte[] b = ip.address().getAddress();
            if (ip.v6() ? ip.notUnicast6() != null : (b[0] & 0xf0) >= 0xe0 || b[0] == 0) {
                problem(e.line(), e.key() + " " + v + " is " + (ip.v6() ? ip.notUnicast6()
                    : "not a unicast address") + ": give " + hint);
                return null;
            }
            if (ip.linkLocal() && linkLocal != null) {
                problem(e.line(), e.key() + " " + v + " is link-local: " + linkLocal);
                return null;
            }
            return ip.address();
        }

        /**
         * {@code e}'s value as an interface name, or null (with a problem when it is not one): the kernel's rule
         * (dev_valid_name): 1 to 15 bytes, not . or .., no '/', ':' or whitespace.
         */
        private String interfaceName(final Entry e) {
            if (e == null) {
                return null;
            }
            final String v = e.value();
            if (!interfaceNameOk(v)) {
                problem(e.line(), "'" + v + "' is not an interface name (1 to " + MAX_INTERFACE_NAME + " bytes, no "
                    + "'/', ':' or space, not . or ..): give it as 'ip link' shows it, e.g. eth0");
                return null;
            }
            return v;
        }

        /** The kernel's rule for an interface name (dev_valid_name): 1 to 15 bytes, not . or .., no '/', ':', space. */
        private static boolean interfaceNameOk(final String v) {
            final int bytes = v.getBytes(StandardCharsets.UTF_8).length;
            return bytes >= 1 && bytes <= MAX_INTERFACE_NAME && !v.equals(".") && !v.equals("..")
                && v.chars().noneMatch(c -> c == '/' || c == ':' || Character.isWhitespace(c));
        }

        private String device(final Entry e) {
            if (!e.value().startsWith("/")) {
                problem(e.line(), "device '" + e.value() + "' is not an absolute path: give the device node, e.g. "
                    + "/dev/sdb or /dev/disk/by-id/...");
                return null;
            }
            return path(e) == null ? null : e.value();
        }
    }

    /** The four bytes of a dotted-quad IPv4 address, or null: no host names (no DNS at configuration time). */
    static byte[] ipv4(final String s) {
        final String[] parts = s.split("\\.", -1);
        if (parts.length != 4) {
            return null;
        }
        final byte[] b = new byte[4];
        for (int i = 0; i < 4; i++) {
            if (parts[i].isEmpty() || parts[i].length() > 3 || !parts[i].chars().allMatch(c -> c >= '0' && c <= '9')) {
                return null;
            }
            final int v = Integer.parseInt(parts[i]);
            if (v > 255) {
                return null;
            }
            b[i] = (byte) v;
        }
        return b;
    }

    static InetAddress address(final byte[] b) {
        try {
            return (Inet4Address) InetAddress.getByAddress(b);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
