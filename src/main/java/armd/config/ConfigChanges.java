package armd.config;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What a configuration reload changes, key by key, and which of the changes a running agent takes on
 * (docs/behaviour.md#reloading-the-configuration). Pure: two validated configurations in, two lists of
 * {@code [section] key: old -> new} lines and the configuration the agent runs on from then on out.
 *
 * <p>Applied live, because each takes effect at a point where nothing depends on the old value and no peer has to
 * agree: {@code [cluster] log-level}; a group's {@code start}, {@code stop} and {@code script-timeout} (the launcher
 * reads them at each run: a script already running keeps its own); a monitor's settings when the monitor stays in
 * the same group with the same type (the group's monitors are restarted; its scripts and resources are not touched).
 *
 * <p>Everything else needs a restart of the agent, and is not applied: the servers, the heartbeat, the key file,
 * the groups, their policies and resources, monitors added, removed or moved, the disk heartbeat, the tiebreak,
 * the state directory, the socket and the status page address. They are the decision core's topology, what peers
 * must agree on (a mismatch is a split cluster), or what threads and sockets were made from at start. A key this
 * class does not know (a setting added later) is compared too and counts as needing a restart: the safe side.
 *
 * <p>Of those, the changes that decide whether agents hear each other at all (the cluster's name, the heartbeat
 * port and multicast group, the servers and their addresses, the groups' list) cannot be taken on one server at a
 * time: an agent restarted with them and one still on the old values would not understand each other, and each
 * would find the other down. They need every agent stopped and started together ({@link #needsClusterRestart}).
 *
 * @param applied       the changes the agent takes on, one {@code [section] key: old -> new} line each
 * @param needsRestart  the changes it does not, the same way, that a restart of one server at a time takes on
 * @param needsClusterRestart the changes it does not that every server must take on at once (a restart of the
 *                      whole cluster)
 * @param effective     the running configuration with the applied changes: what the agent runs on afterwards, and
 *                      what the next reload is compared with (so a change still waiting for a restart is reported
 *                      again)
 * @param monitorGroups ids of the groups whose monitors changed (to be restarted where the group is online)
 */
public record ConfigChanges(List<String> applied, List<String> needsRestart, List<String> needsClusterRestart,
                            ClusterConfig effective, Set<Integer> monitorGroups) {

    /** Copies the lists so the record stays immutable. */
    public ConfigChanges {
        applied = List.copyOf(applied);
        needsRestart = List.copyOf(needsRestart);
        needsClusterRestart = List.copyOf(needsClusterRestart);
        monitorGroups = Set.copyOf(monitorGroups);
    }

    /** Whether the file says what the agent runs on already. */
    public boolean none() {
        return applied.isEmpty() && needsRestart.isEmpty() && needsClusterRestart.isEmpty();
    }

    /** Record components whose file key is not their name in kebab case (without a trailing Ms). */
    private static final Map<String, String> KEYS = Map.of(
        "socketPath", "socket",
        "addresses", "address",
        "startScript", "start",
        "stopScript", "stop",
        "prefixLen", "address (prefix length)",
        "interfaceName", "interface",
        "probeSpacingMs", "probe-interval",
        "announceSpacingMs", "announce-interval",
        "Ping.address", "target");

    /** The components compared section by section (the file's path is not compared); in this order. */
    private static final List<String> SECTIONS = List.of("file", "actions", "heartbeat", "servers", "groups",
        "monitors", "diskHeartbeat", "tiebreak");

    /** The changes from {@code running} (what the agent runs on) to {@code read} (the file just read). */
    public static ConfigChanges between(final ClusterConfig running, final ClusterConfig read) {
        final Diff d = new Diff();
        ClusterConfig.Actions actions = running.actions();
        List<ClusterConfig.Group> groups = running.groups();
        List<MonitorConfig> monitors = running.monitors();
        final Set<Integer> monitorGroups = new LinkedHashSet<>();
        // [cluster] first (its plain keys, then the actions), then the other sections in the order of the file
        for (final RecordComponent c : ClusterConfig.class.getRecordComponents()) {
            if (!SECTIONS.contains(c.getName())) {
                d.scalar("[cluster]", c, value(c, running), value(c, read), false);
            }
        }
        for (final String section : SECTIONS) {
            switch (section) {
                case "actions" -> {
                    d.record("[cluster]", "", running.actions(), read.actions(), Set.of("log-level"), Set.of());
                    actions = running.actions().withLogLevel(read.actions().logLevel());
                }
                case "heartbeat" -> d.section("[heartbeat]", running.heartbeat(), read.heartbeat());
                case "servers" -> servers(running, read, d);
                case "groups" -> groups = groups(running, read, d);
                case "monitors" -> monitors = monitors(running, read, d, monitorGroups);
                case "diskHeartbeat" -> d.section("[disk-heartbeat]", running.diskHeartbeat(), read.diskHeartbeat());
                case "tiebreak" -> d.section("[tiebreak]", running.tiebreak(), read.tiebreak());
                default -> { }
            }
        }
        final List<String> rolling = d.restart.stream().filter(l -> !together(l)).toList();
        final List<String> together = d.restart.stream().filter(ConfigChanges::together).toList();
        return new ConfigChanges(d.applied, rolling, together, running.withLive(actions, groups, monitors),
            monitorGroups);
    }

    /** The beginnings of the change lines that every server must take on at once. */
    private static final List<String> TOGETHER = List.of("[cluster] name:", "[heartbeat] port:",
        "[heartbeat] multicast-group:", "[server]", "[server ", "[group] sections");

    /** Whether change line {@code line} is one every server must take on at once. */
    static boolean together(final String line) {
        return TOGETHER.stream().anyMatch(line::startsWith);
    }

    private static void servers(final ClusterConfig running, final ClusterConfig read, final Diff d) {
        final List<String> before = running.servers().stream().map(ClusterConfig.Server::name).toList();
        final List<String> after = read.servers().stream().map(ClusterConfig.Server::name).toList();
        if (!before.equals(after)) {
            d.restart.add("[server] sections (their order is the servers' ids): " + String.join(", ", before)
                + " -> " + String.join(", ", after));
        }
        for (final ClusterConfig.Server s : running.servers()) {
            read.server(s.name()).ifPresent(r -> d.record("[server " + s.name() + "]", "", s, r, Set.of(),
                Set.of("id", "name")));
        }
    }

    /** The running groups with their applied script settings. */
    private static List<ClusterConfig.Group> groups(final ClusterConfig running, final ClusterConfig read,
                                                    final Diff d) {
        final List<String> before = running.groups().stream().map(ClusterConfig.Group::name).toList();
        final List<String> after = read.groups().stream().map(ClusterConfig.Group::name).toList();
        if (!before.equals(after)) {
            d.restart.add("[group] sections (their order is the groups' ids): " + String.join(", ", before)
                + " -> " + String.join(", ", after));
        }
        final List<ClusterConfig.Group> result = new ArrayList<>();
        for (final ClusterConfig.Group g : running.groups()) {
            final ClusterConfig.Group r = read.group(g.name()).orElse(null);
            if (r == null) {
                result.add(g);
                continue;
            }
            final String section = "[group " + g.name() + "]";
            final List<String> policyBefore = g.policy().stream().map(i -> running.servers().get(i).name()).toList();
            final List<String> policyAfter = r.policy().stream().map(i -> read.servers().get(i).name()).toList();
            if (!policyBefore.equals(policyAfter)) {
                d.restart.add(section + " policy: " + String.join(", ", policyBefore) + " -> "
                    + String.join(", ", policyAfter));
            }
            d.record(section, "", g, r, Set.of("start", "stop", "script-timeout"),
                Set.of("id", "name", "policy", "resources"));
            resources(g, r, d);
            result.add(g.withScripts(r.startScript(), r.stopScript(), r.scriptTimeoutMs()));
        }
        return result;
    }

    private static void resources(final ClusterConfig.Group g, final ClusterConfig.Group r, final Diff d) {
        final Map<String, ClusterConfig.Resource> before = new LinkedHashMap<>();
        g.resources().forEach(x -> before.put(x.name(), x));
        final Map<String, ClusterConfig.Resource> after = new LinkedHashMap<>();
        r.resources().forEach(x -> after.put(x.name(), x));
        for (final ClusterConfig.Resource x : g.resources()) {
            final ClusterConfig.Resource y = after.get(x.name());
            final String section = "[resource " + x.name() + "]";
            if (y == null) {
                d.restart.add(section + " (group " + g.name() + "): removed");
            } else if (x.getClass() != y.getClass()) {
                d.restart.add(section + " type: " + type(x) + " -> " + type(y));
            } else {
                d.record(section, "", (Record) x, (Record) y, Set.of(), Set.of("name"));
            }
        }
        for (final ClusterConfig.Resource y : r.resources()) {
            if (!before.containsKey(y.name())) {
                d.restart.add("[resource " + y.name() + "] (group " + g.name() + "): added");
            }
        }
        final List<String> common = g.resources().stream().map(ClusterConfig.Resource::name)
            .filter(after::containsKey).toList();
        final List<String> commonAfter = r.resources().stream().map(ClusterConfig.Resource::name)
            .filter(before::containsKey).toList();
        if (!common.equals(commonAfter)) {
            d.restart.add("[group " + g.name() + "] resources' activation order: " + String.join(", ", common)
                + " -> " + String.join(", ", commonAfter));
        }
    }

    private static String type(final ClusterConfig.Resource r) {
        return switch (r) {
            case ClusterConfig.FloatingIp _ -> "ip";
            case ClusterConfig.Disk _ -> "disk";
            case ClusterConfig.Nfs _ -> "nfs";
        };
    }

    /** The running monitors, those changed in place replaced by the file's (in the running numbering of groups). */
    private static List<MonitorConfig> monitors(final ClusterConfig running, final ClusterConfig read, final Diff d,
                                                final Set<Integer> restartGroups) {
        final Map<String, MonitorConfig> after = new LinkedHashMap<>();
        read.monitors().forEach(m -> after.put(m.name(), m));
        final Set<String> before = new LinkedHashSet<>();
        final List<MonitorConfig> result = new ArrayList<>();
        for (final MonitorConfig m : running.monitors()) {
            before.add(m.name());
            final MonitorConfig n = after.get(m.name());
            final String section = "[monitor " + m.name() + "]";
            final String group = running.groups().get(m.group()).name();
            if (n == null) {
                d.restart.add(section + " (group " + group + "): removed");
                result.add(m);
                continue;
            }
            final String newGroup = read.groups().get(n.group()).name();
            if (!group.equals(newGroup) || !m.type().equals(n.type())) {
                if (!group.equals(newGroup)) {
                    d.restart.add(section + " group: " + group + " -> " + newGroup);
                }
                if (!m.type().equals(n.type())) {
                    d.restart.add(section + " type: " + m.type() + " -> " + n.type());
                }
                result.add(m);
                continue;
            }
            final int appliedBefore = d.applied.size();
            d.record(section, "", m, n, LIVE_ALL, Set.of("name", "line", "group"));
            if (d.applied.size() > appliedBefore) {
                restartGroups.add(m.group());
            }
            // the file's line, for messages, even when nothing else changed
            result.add(n.withGroup(m.group()));
        }
        for (final MonitorConfig n : read.monitors()) {
            if (!before.contains(n.name())) {
                d.restart.add("[monitor " + n.name() + "] (group " + read.groups().get(n.group()).name()
                    + "): added");
            }
        }
        return result;
    }

    /** Stands for "every key of the section is applied live". */
    private static final Set<String> LIVE_ALL = Set.of("*");

    private static Object value(final RecordComponent c, final Record r) {
        try {
            return c.getAccessor().invoke(r);
        } catch (IllegalAccessException | InvocationTargetException e) {
            throw new IllegalStateException("record component " + c.getName() + " unreadable", e);
        }
    }

    private static String key(final Class<?> owner, final String component) {
        final String special = KEYS.getOrDefault(owner.getSimpleName() + "." + component, KEYS.get(component));
        if (special != null) {
            return special;
        }
        final String base = component.endsWith("Ms") ? component.substring(0, component.length() - 2) : component;
        final StringBuilder sb = new StringBuilder();
        for (final char ch : base.toCharArray()) {
            if (Character.isUpperCase(ch)) {
                sb.append('-').append(Character.toLowerCase(ch));
            } else {
                sb.append(ch);
            }
        }
        return sb.toString();
    }

    /** A value as the file writes it. */
    static String show(final String component, final Object v) {
        return switch (v) {
            case null -> "(not set)";
            case Integer ms when component.endsWith("Ms") -> duration(ms);
            case Boolean b -> b ? "yes" : "no";
            case Enum<?> e -> e.name().toLowerCase(java.util.Locale.ROOT);
            case InetAddress a -> a.getHostAddress();
            case InetSocketAddress a -> (a.getAddress() instanceof java.net.Inet6Address
                ? "[" + a.getAddress().getHostAddress() + "]" : a.getAddress().getHostAddress()) + ":" + a.getPort();
            case List<?> l -> String.join(", ", l.stream().map(x -> show("", x)).toList());
            default -> v.toString();
        };
    }

    private static String duration(final int ms) {
        if (ms != 0 && ms % 3_600_000 == 0) {
            return ms / 3_600_000 + "h";
        } else if (ms != 0 && ms % 60_000 == 0) {
            return ms / 60_000 + "m";
        } else if (ms != 0 && ms % 1000 == 0) {
            return ms / 1000 + "s";
        }
        return ms + "ms";
    }

    /** The two lists being filled. */
    private static final class Diff {
        final List<String> applied = new ArrayList<>();
        final List<String> restart = new ArrayList<>();

        /** A whole optional section ({@code [disk-heartbeat]}, {@code [tiebreak]}) or a required one; restart. */
        void section(final String section, final Record before, final Record after) {
            if (before == null && after == null) {
                return;
            } else if (before == null) {
                restart.add(section + ": added");
            } else if (after == null) {
                restart.add(section + ": removed");
            } else {
                record(section, "", before, after, Set.of(), Set.of());
            }
        }

        /**
         * Each component of {@code before} and {@code after} (records of one class) that differs, except those in
         * {@code skip}; a nested record is compared key by key (its keys prefixed, but a monitor's target's not).
         * Keys in {@code live} are applied, the others need a restart.
         */
        void record(final String section, final String prefix, final Record before, final Record after,
                    final Set<String> live, final Set<String> skip) {
            if (before.getClass() != after.getClass()) {
                restart.add(section + ": " + before + " -> " + after);
                return;
            }
            for (final RecordComponent c : before.getClass().getRecordComponents()) {
                if (skip.contains(c.getName())) {
                    continue;
                }
                final Object a = value(c, before);
                final Object b = value(c, after);
                if (Objects.equals(a, b)) {
                    continue;
                }
                final String key = prefix + key(before.getClass(), c.getName());
                if (a instanceof Record ra && b instanceof Record rb && ra.getClass() == rb.getClass()) {
                    record(section, c.getName().equals("target") ? prefix : key + "-", ra, rb, live, Set.of());
                } else {
                    add(section, key, show(c.getName(), a), show(c.getName(), b),
                        live == LIVE_ALL || live.contains(key));
                }
            }
        }

        void scalar(final String section, final RecordComponent c, final Object a, final Object b,
                   final boolean isLive) {
            if (!Objects.equals(a, b)) {
                add(section, key(ClusterConfig.class, c.getName()), show(c.getName(), a), show(c.getName(), b),
                    isLive);
            }
        }

        private void add(final String section, final String key, final String a, final String b,
                         final boolean isLive) {
            (isLive ? applied : restart).add(section + " " + key + ": " + a + " -> " + b);
        }
    }
}
