package armd.config;

import armd.config.IniFile.Entry;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * The sections and keys of armd's files as a table: for each key its section, name, type, default, range and a
 * one-line help.
 *
 * <p>Table-driven: which sections a file has and which keys each holds (the "unknown section" and "unknown key ...
 * known keys are" checks, and which keys a resource or monitor type takes); the type and range check and the
 * default of the simple keys (durations, whole numbers, yes/no, choices: {@link Key#duration},
 * {@link Key#integer}, {@link Key#yesNo}, {@link Key#choice}); and the reference {@code armd check --keys} prints
 * ({@link KeyReference}). Not table-driven, code in {@link ConfigParser} and {@link SuperConfigParser}: what a value
 * of any other type must be (addresses, paths, names, lists, whose problems say what to write for that key), which
 * keys are required, defaults that depend on another key (a monitor's timeout, failures and when by its type, the
 * disk heartbeat's timeout in intervals), and every check across keys or sections (a policy names servers, timeout
 * longer than interval, ...). For those the table's default and range are text for the reader.
 */
final class Keys {
    private Keys() {
    }

    /** What a value is, for the reference. */
    enum Type {
        DURATION("duration"), INTEGER("integer"), YES_NO("yes/no"), CHOICE("choice"), NAME("name"), NAMES("names"),
        PATH("path"), ADDRESS("address"), ADDRESSES("addresses"), ADDRESS_PREFIX("address/prefix"),
        LISTEN("address:port"), INTERFACE("interface"), SECTOR("sector"), TEXT("text"), SERVERS("name address list");

        private final String label;

        Type(final String label) {
            this.label = label;
        }

        /** As the reference shows it. */
        String label() {
            return label;
        }
    }

    /**
     * How a choice's value is compared with the choices. Three rules, each kept from the key's first parser so that
     * a file valid before stays valid: the monitor's and tiebreak's choices ignore case, the agent's actions are
     * taken upper-cased (Locale.ROOT), the log level must be written as listed.
     */
    enum Match { IGNORE_CASE, UPPER_CASE, EXACT }

    /** One kind of section: {@code [type]}, or {@code [type NAME]} when named. */
    record Section(String type, boolean named, boolean optional, String help) {
        /** As a file writes its header: {@code [cluster]}, {@code [server NAME]}. */
        String header() {
            return "[" + type + (named ? " NAME]" : "]");
        }
    }

    /**
     * One key.
     *
     * @param section its section's type
     * @param variant the section's {@code type} value it belongs to ({@code ip} for {@code [resource] type = ip}), or
     *                null when every section of its type takes it
     * @param name    its name
     * @param type    what its value is
     * @param def     its default as the reference shows it, or "required"
     * @param range   the values it takes, for the reader
     * @param number  the default of a duration (ms), whole number or yes/no (1 or 0)
     * @param min     the smallest duration (ms) or number
     * @param max     the largest duration (ms) or number
     * @param choices a choice's values
     * @param match   how a choice's value is compared
     * @param help    one line on what it does
     */
    record Key(String section, String variant, String name, Type type, String def, String range, long number,
               long min, long max, List<String> choices, Match match, String help) {
        /** This key's duration in ms from {@code entries}: its default when absent, or (with a problem) wrong. */
        int duration(final Map<String, Entry> entries, final BiConsumer<Integer, String> problem) {
            return duration(entries, (int) number, problem);
        }

        /** This key's duration with {@code defMs} as the default (one that depends on another key). */
        int duration(final Map<String, Entry> entries, final int defMs, final BiConsumer<Integer, String> problem) {
            expect(Type.DURATION);
            return IniFile.duration(entries.get(name), defMs, (int) min, (int) max, problem);
        }

        /** This key's whole number from {@code entries}: its default when absent, or (with a problem) wrong. */
        int integer(final Map<String, Entry> entries, final BiConsumer<Integer, String> problem) {
            return integer(entries, (int) number, problem);
        }

        /** This key's whole number with {@code def} as the default (one that depends on another key). */
        int integer(final Map<String, Entry> entries, final int def, final BiConsumer<Integer, String> problem) {
            expect(Type.INTEGER);
            return IniFile.integer(entries.get(name), def, (int) min, (int) max, problem);
        }

        /** This key's yes or no from {@code entries}: its default when absent, or (with a problem) wrong. */
        boolean yesNo(final Map<String, Entry> entries, final BiConsumer<Integer, String> problem) {
            expect(Type.YES_NO);
            return IniFile.bool(entries.get(name), number != 0, problem);
        }

        /**
         * This key's choice from {@code entries}, as the table writes it: null when absent, {@code def} (with a
         * problem) when it is none of the choices.
         */
        String choice(final Map<String, Entry> entries, final String def, final BiConsumer<Integer, String> problem) {
            expect(Type.CHOICE);
            final Entry e = entries.get(name);
            if (e == null) {
                return null;
            }
            for (final String c : choices) {
                final boolean same = switch (match) {
                    case IGNORE_CASE -> c.equalsIgnoreCase(e.value());
                    case UPPER_CASE -> c.toUpperCase(Locale.ROOT).equals(e.value().toUpperCase(Locale.ROOT));
                    case EXACT -> c.equals(e.value());
                };
                if (same) {
                    return c;
                }
            }
            problem.accept(e.line(), name + " '" + e.value() + "' is not " + (match == Match.IGNORE_CASE
                ? list(choices) : "one of " + String.join(", ", choices)));
            return def;
        }

        /** This key's choice as the constant of {@code type} of that name (upper-cased); {@code def} when absent. */
        <T extends Enum<T>> T choice(final Map<String, Entry> entries, final Class<T> type, final T def,
                                     final BiConsumer<Integer, String> problem) {
            final String c = choice(entries, def.name().toLowerCase(Locale.ROOT), problem);
            return c == null ? def : Enum.valueOf(type, c.toUpperCase(Locale.ROOT));
        }

        private void expect(final Type wanted) {
            if (type != wanted) {
                throw new IllegalStateException(section + " " + name + " is a " + type.label() + ", not a "
                    + wanted.label());
            }
        }
    }

    /** The sections and keys of one file, in the order the reference shows them. */
    record Table(String file, List<Section> sections, List<Key> keys) {
        /** The section of {@code type}, or null. */
        Section section(final String type) {
            for (final Section s : sections) {
                if (s.type().equals(type)) {
                    return s;
                }
            }
            return null;
        }

        /** The key {@code name} of {@code section} (the first of that name); a missing one is a programming error. */
        Key key(final String section, final String name) {
            for (final Key k : keys) {
                if (k.section().equals(section) && k.name().equals(name)) {
                    return k;
                }
            }
            throw new IllegalArgumentException("no key " + name + " in [" + section + "]");
        }

        /** The names of every key a section of {@code type} may hold, in table order, each once. */
        List<String> names(final String section) {
            final List<String> out = new ArrayList<>();
            for (final Key k : keys) {
                if (k.section().equals(section) && !out.contains(k.name())) {
                    out.add(k.name());
                }
            }
            return List.copyOf(out);
        }

        /** The names of the keys every section of {@code type} takes, whatever its variant. */
        List<String> common(final String section) {
            return keys.stream().filter(k -> k.section().equals(section) && k.variant() == null).map(Key::name)
                .toList();
        }

        /** The {@code type} values a section of {@code type} may have (resource and monitor types), in order. */
        List<String> variants(final String section) {
            final List<String> out = new ArrayList<>();
            for (final Key k : keys) {
                if (k.section().equals(section) && k.variant() != null && !out.contains(k.variant())) {
                    out.add(k.variant());
                }
            }
            return List.copyOf(out);
        }

        /** The names of the keys of variant {@code variant} of {@code section}, beyond the common ones. */
        List<String> names(final String section, final String variant) {
            return keys.stream().filter(k -> k.section().equals(section) && variant.equals(k.variant()))
                .map(Key::name).toList();
        }

        /** The syntax's view of this table. */
        IniFile.Grammar grammar() {
            return new IniFile.Grammar() {
                @Override
                public Boolean named(final String type) {
                    final Section s = section(type);
                    return s == null ? null : s.named();
                }

                @Override
                public List<String> keys(final String type) {
                    return names(type);
                }

                @Override
                public List<String> headers() {
                    return sections.stream().map(Section::header).toList();
                }

                @Override
                public List<String> homes() {
                    return sections.stream().filter(s -> !s.optional()).map(Section::header).toList();
                }
            };
        }
    }

    // ------------------------------------------------------------------------------------------- building rows

    private static Key duration(final String section, final String name, final int defMs, final int minMs,
                                final int maxMs, final String help) {
        return new Key(section, null, name, Type.DURATION, text(defMs), text(minMs) + " to " + text(maxMs), defMs,
            minMs, maxMs, List.of(), Match.EXACT, help);
    }

    private static Key integer(final String section, final String name, final int def, final int min, final int max,
                               final String help) {
        return new Key(section, null, name, Type.INTEGER, Integer.toString(def), min + " to " + max, def, min, max,
            List.of(), Match.EXACT, help);
    }

    private static Key yesNo(final String section, final String name, final boolean def, final String help) {
        return new Key(section, null, name, Type.YES_NO, def ? "yes" : "no", "yes, no (also true, false, on, off)",
            def ? 1 : 0, 0, 1, List.of(), Match.EXACT, help);
    }

    private static Key choice(final String section, final String name, final String def, final Match match,
                              final List<String> choices, final String help) {
        return new Key(section, null, name, Type.CHOICE, def, String.join(", ", choices), 0, 0, 0, choices, match,
            help);
    }

    /** A key whose value code checks: its default and range are text for the reader. */
    private static Key other(final String section, final String name, final Type type, final String def,
                             final String range, final String help) {
        return new Key(section, null, name, type, def, range, 0, 0, 0, List.of(), Match.EXACT, help);
    }

    /** {@code k} as a key of sections whose {@code type} is {@code variant} only. */
    private static Key of(final String variant, final Key k) {
        return new Key(k.section(), variant, k.name(), k.type(), k.def(), k.range(), k.number(), k.min(), k.max(),
            k.choices(), k.match(), k.help());
    }

    /** {@code k} with {@code def} shown as its default (one that depends on another key). */
    private static Key shown(final String def, final Key k) {
        return new Key(k.section(), k.variant(), k.name(), k.type(), def, k.range(), k.number(), k.min(), k.max(),
            k.choices(), k.match(), k.help());
    }

    /** A duration as a file would write it: 10ms, 30s, 10m, 1h. */
    static String text(final int ms) {
        if (ms == 0) {
            return "0s";
        }
        if (ms % 3_600_000 == 0) {
            return ms / 3_600_000 + "h";
        }
        if (ms % 60_000 == 0) {
            return ms / 60_000 + "m";
        }
        return ms % 1000 == 0 ? ms / 1000 + "s" : ms + "ms";
    }

    /** "a, b or c". */
    private static String list(final List<String> items) {
        if (items.size() == 1) {
            return items.getFirst();
        }
        return String.join(", ", items.subList(0, items.size() - 1)) + " or " + items.getLast();
    }

    private static final String REQUIRED = "required";
    private static final String NAME_RANGE = "1 to 32 letters, digits, '.', '_', '-'";
    private static final String ANY_PATH = "a path (relative: to the file's directory)";
    private static final String ABSOLUTE = "an absolute path";
    private static final String IF_RANGE = "1 to 15 bytes, as 'ip link' shows it";
    private static final String UNICAST = "a literal unicast IPv4 or IPv6 address";
    private static final int HOUR = 3_600_000;
    private static final int DAY = 86_400_000;

    // ----------------------------------------------------------------------------------- the cluster file

    /** The cluster configuration (armd.conf), read by {@link ConfigParser}. */
    static final Table CLUSTER = new Table("armd.conf", List.of(
        new Section("cluster", false, false, "the cluster as a whole; one, required"),
        new Section("heartbeat", false, false, "the heartbeats on the networks; optional, all keys have defaults"),
        new Section("server", true, false, "one per server, 1 to " + ClusterConfig.MAX_SERVERS + ", in the same "
            + "order on every server (the order is the server's id)"),
        new Section("group", true, false, "one per failover group, at most "
            + armd.cluster.ClusterNode.MAX_GROUPS),
        new Section("resource", true, false, "what moves with a group, activated in file order; its keys depend "
            + "on its type"),
        new Section("monitor", true, false, "a resource monitor of a group; its keys depend on its type"),
        new Section("disk-heartbeat", false, true, "the disk heartbeat through a shared cluster partition; leave "
            + "it out to have none"),
        new Section("tiebreak", false, true, "the ping tiebreak; leave it out to have none")),
        clusterKeys());

    private static List<Key> clusterKeys() {
        final List<Key> k = new ArrayList<>();
        final String c = "cluster";
        k.add(other(c, "name", Type.NAME, REQUIRED, NAME_RANGE, "the cluster's name, the same on every server: "
            + "heartbeats of another cluster are dropped"));
        k.add(other(c, "key-file", Type.PATH, REQUIRED, ANY_PATH + ", mode 0600, owned by root", "the cluster key "
            + "that authenticates heartbeats ('armd keygen FILE'), the same file on every server"));
        k.add(yesNo(c, "auto-return", false, "a server that was down returns by itself (no: it stays isolated "
            + "until 'armsrv return')"));
        k.add(duration(c, "startup-wait", ConfigParser.DEFAULT_STARTUP_WAIT_MS, 0, HOUR, "how long a starting "
            + "agent waits for the other servers before it starts groups"));
        k.add(other(c, "state-dir", Type.PATH, ConfigParser.DEFAULT_STATE_DIR.toString(), ANY_PATH, "where each "
            + "agent keeps its state (one directory per server below it, made 0700)"));
        k.add(other(c, "socket", Type.PATH, ConfigParser.DEFAULT_SOCKET.toString(), ANY_PATH + " of at most 107 "
            + "bytes", "the control socket the armd and arm* commands talk to (root only)"));
        k.add(integer(c, "max-failovers", ClusterConfig.Actions.DEFAULTS.maxFailovers(), 0, 1000, "failovers "
            + "caused by monitors per group and server before monitors stop failing the group over"));
        k.add(choice(c, "down-action", "none", Match.UPPER_CASE, List.of("none", "poweroff", "reboot"), "what "
            + "armdown does to the machine once its server left the cluster"));
        k.add(choice(c, "crash-action", "release", Match.UPPER_CASE, List.of("release", "reboot", "panic"), "what "
            + "the guardian does after it released what a dead agent held"));
        k.add(other(c, "status-listen", Type.LISTEN, "127.0.0.1:7406", "ADDRESS:PORT, [IPV6]:PORT or off", "where "
            + "the read-only status page and /metrics listen"));
        k.add(choice(c, "log-level", "info", Match.EXACT, List.of("error", "warning", "info", "debug"), "the "
            + "agent's log level ('armd run --log-level' wins at start; a reload applies a change at once)"));

        final String h = "heartbeat";
        k.add(integer(h, "port", ConfigParser.DEFAULT_PORT, 1, 65535, "the heartbeats' UDP port, the same on every "
            + "server"));
        k.add(other(h, "multicast-group", Type.ADDRESSES, "none", "one IPv4 group in 239.0.0.0/8 and one IPv6 "
            + "group (ff02::a12d), one per family of the heartbeat networks; or none", "where heartbeats go; none: "
            + "by unicast to every other server's addresses"));
        k.add(duration(h, "interval", ConfigParser.DEFAULT_INTERVAL_MS, 1, 10_000, "time between two heartbeats "
            + "of one server, on every network"));
        k.add(duration(h, "timeout", ConfigParser.DEFAULT_TIMEOUT_MS, 2, 600_000, "silence on every network after "
            + "which a server is down; longer than interval"));

        k.add(other("server", "address", Type.ADDRESSES, REQUIRED, "IPv4 or IPv6 unicast addresses, "
            + "comma-separated; link-local with its interface: fe80::11%eth1", "the server's address on each "
            + "heartbeat network, in the same order for every server"));

        final String g = "group";
        k.add(other(g, "policy", Type.NAMES, REQUIRED, "1 to " + ClusterConfig.MAX_SERVERS + " server names, "
            + "comma-separated", "the servers that may run the group, primary (HOME) first"));
        k.add(other(g, "start", Type.PATH, REQUIRED, ANY_PATH + ": executable, owned by root, not writable by "
            + "others", "the script run when the group starts"));
        k.add(other(g, "stop", Type.PATH, REQUIRED, ANY_PATH + ": executable, owned by root, not writable by "
            + "others", "the script run when the group stops"));
        k.add(duration(g, "script-timeout", ConfigParser.DEFAULT_SCRIPT_TIMEOUT_MS, 1, DAY, "a script still "
            + "running after this is killed with its whole process group"));

        final String r = "resource";
        k.add(other(r, "group", Type.NAME, REQUIRED, "a [group NAME] of the file", "the group it moves with"));
        k.add(other(r, "type", Type.CHOICE, REQUIRED, "ip, disk, nfs", "what it is: a floating IP, a switchable "
            + "disk partition, an NFS mount"));
        k.add(of("ip", other(r, "address", Type.ADDRESS_PREFIX, REQUIRED, "a unicast IPv4 or IPv6 address with "
            + "its prefix length", "the floating address and the prefix of its network: 192.0.2.100/24")));
        k.add(of("ip", other(r, "interface", Type.INTERFACE, REQUIRED, IF_RANGE, "the interface that gets it")));
        k.add(of("ip", integer(r, "conflict-retries", ConfigParser.DEFAULT_CONFLICT_RETRIES, 0, 100, "probes "
            + "after the first conflict before the activation fails")));
        k.add(of("ip", duration(r, "conflict-retry-interval", ConfigParser.DEFAULT_CONFLICT_RETRY_INTERVAL_MS, 10,
            HOUR, "time between two probes after a conflict")));
        k.add(of("ip", yesNo(r, "any-subnet", false, "yes: skip the check that the interface has an address in "
            + "the address's subnet")));
        final ClusterConfig.Arp arp = ClusterConfig.Arp.DEFAULT;
        for (final String p : List.of("arp-", "ndp-")) {
            final String what = p.equals("arp-") ? "ARP (an IPv4 address)" : "neighbour discovery (an IPv6 address)";
            k.add(of("ip", integer(r, p + "probes", arp.probes(), 1, 10, what + ": probes per try")));
            k.add(of("ip", duration(r, p + "probe-interval", arp.probeSpacingMs(), 0, 10_000, what + ": time "
                + "between two probes")));
            k.add(of("ip", duration(r, p + "probe-wait", arp.probeWaitMs(), 1, 10_000, what + ": time to listen "
                + "after the last probe")));
            k.add(of("ip", integer(r, p + "announcements", arp.announcements(), 1, 10, what + ": announcements "
                + "after the address is added")));
            k.add(of("ip", duration(r, p + "announce-interval", arp.announceSpacingMs(), 0, 10_000, what + ": time "
                + "between two announcements")));
        }
        k.add(of("disk", other(r, "device", Type.PATH, REQUIRED, ABSOLUTE, "the partition, by a name that is the "
            + "same on every server (/dev/disk/by-id/...)")));
        k.add(of("disk", other(r, "mount-point", Type.PATH, REQUIRED, ABSOLUTE + " other than /", "where it is "
            + "mounted (created when missing); one resource's only")));
        k.add(of("disk", other(r, "fs-type", Type.TEXT, REQUIRED, "a type as mount(8) takes it", "its file "
            + "system: ext4, xfs, ...")));
        k.add(of("disk", other(r, "mount-options", Type.TEXT, "none", "options separated by commas, no spaces",
            "mount options: noatime, nodev, ...")));
        k.add(of("disk", yesNo(r, "fsck", false, "run 'fsck -a DEVICE' before mounting")));
        k.add(of("disk", yesNo(r, "require-scsi", false, "yes: a device that does not take SCSI TEST UNIT READY "
            + "fails instead of being mounted")));
        k.add(of("nfs", other(r, "server", Type.ADDRESS, REQUIRED, UNICAST + ", not link-local", "the NFS "
            + "server")));
        k.add(of("nfs", other(r, "export", Type.PATH, REQUIRED, ABSOLUTE, "the path the server exports")));
        k.add(of("nfs", other(r, "mount-point", Type.PATH, REQUIRED, ABSOLUTE + " other than /", "where it is "
            + "mounted (created when missing); one resource's only")));
        k.add(of("nfs", other(r, "mount-options", Type.TEXT, "none", "options separated by commas, no spaces",
            "mount options: hard, vers=4.2, ...")));

        final String m = "monitor";
        k.add(other(m, "group", Type.NAME, REQUIRED, "a [group NAME] of the file", "the group it watches for"));
        k.add(other(m, "type", Type.CHOICE, REQUIRED, "ping, nfs, disk, partition, ip, script, link, process",
            "what it watches"));
        k.add(duration(m, "interval", ConfigParser.MONITOR_DEFAULT_INTERVAL_MS, 10, HOUR, "time between two "
            + "probes"));
        k.add(shown("500ms (script: 10s)", duration(m, "timeout", ConfigParser.MONITOR_DEFAULT_TIMEOUT_MS, 1, HOUR,
            "how long one probe may take")));
        k.add(shown("3 (link, process, ip: 1)", integer(m, "failures", ConfigParser.MONITOR_DEFAULT_FAILURES, 1,
            1000, "consecutive failed probes before the resource counts as failed")));
        k.add(shown("partition, link, process: online; ip, script: activation; else both", choice(m, "when", "both",
            Match.IGNORE_CASE, List.of("activation", "online", "both"), "when it probes: once when the group "
                + "starts, while it runs, or both")));
        k.add(choice(m, "action", "failover", Match.IGNORE_CASE, List.of("failover", "stop"), "what a failure "
            + "does to the group"));
        k.add(choice(m, "destination", "priority", Match.IGNORE_CASE, List.of("priority", "stable"), "where a "
            + "failover goes: the highest-priority healthy server, or the one with the oldest resource error"));
        k.add(duration(m, "reset-after", ConfigParser.MONITOR_DEFAULT_RESET_AFTER_MS, 1000, DAY, "the resource "
            + "normal this long after a failure counts as normal again (the failover counter is reset)"));
        // each type's first key is required
        k.add(of("ping", other(m, "target", Type.ADDRESS, REQUIRED, UNICAST + " (link-local: with interface)", "the "
            + "address pinged (ICMP echo), e.g. the default gateway")));
        k.add(of("ping", other(m, "interface", Type.INTERFACE, "none", IF_RANGE, "the interface the target is "
            + "reached through")));
        k.add(of("nfs", other(m, "server", Type.ADDRESS, REQUIRED, UNICAST + ", not link-local", "the NFS server, "
            + "pinged")));
        k.add(of("disk", other(m, "device", Type.PATH, REQUIRED, ABSOLUTE, "a SCSI device asked TEST UNIT READY")));
        k.add(of("partition", other(m, "device", Type.PATH, REQUIRED, ABSOLUTE, "the cluster partition, written "
            + "and read back with O_DIRECT")));
        k.add(of("partition", other(m, "sector", Type.SECTOR, REQUIRED, "0 to 2^40", "the first of its sectors: "
            + "server i uses sector + i")));
        k.add(of("ip", other(m, "address", Type.ADDRESS, REQUIRED, UNICAST + ", without prefix", "the floating "
            + "address that must be on its interface")));
        k.add(of("ip", other(m, "interface", Type.INTERFACE, REQUIRED, IF_RANGE, "the interface that holds it")));
        k.add(of("script", other(m, "command", Type.PATH, REQUIRED, ANY_PATH + ": executable, owned by root",
            "a command whose exit code other than 0 is a failure")));
        k.add(of("link", other(m, "interface", Type.INTERFACE, REQUIRED, IF_RANGE, "an interface whose carrier "
            + "lost or set down is a failure (events)")));
        k.add(of("process", other(m, "pidfile", Type.PATH, REQUIRED, ANY_PATH, "the pid file of a process whose "
            + "exit is a failure (events)")));

        final String d = "disk-heartbeat";
        k.add(other(d, "device", Type.PATH, REQUIRED, ABSOLUTE, "the shared cluster partition, the same path on "
            + "every server (/dev/disk/by-id/...)"));
        k.add(other(d, "sector", Type.SECTOR, REQUIRED, "0 to 2^40", "the first sector of the region: server i "
            + "writes sector + i; apart from any partition monitor's"));
        k.add(duration(d, "interval", ConfigParser.DEFAULT_DISK_INTERVAL_MS, 10, 10_000, "time between two disk "
            + "beats of one server"));
        k.add(shown(ConfigParser.DEFAULT_DISK_TIMEOUT_INTERVALS + " intervals", duration(d, "timeout",
            ConfigParser.DEFAULT_DISK_TIMEOUT_INTERVALS * ConfigParser.DEFAULT_DISK_INTERVAL_MS, 30, 600_000,
            "a peer silent on the disk this long stopped writing; at least " + ConfigParser.MIN_DISK_TIMEOUT_INTERVALS
                + " intervals")));

        final String t = "tiebreak";
        k.add(other(t, "targets", Type.ADDRESSES, REQUIRED, "1 to " + ConfigParser.MAX_TIEBREAK_TARGETS + " literal "
            + "unicast addresses, comma-separated", "addresses outside the cluster every server should reach, "
            + "e.g. the default gateway"));
        k.add(choice(t, "rule", "any", Match.IGNORE_CASE, List.of("any", "all", "majority"), "how many targets "
            + "must answer: one, every one, more than half"));
        k.add(duration(t, "timeout", ConfigParser.DEFAULT_TIEBREAK_TIMEOUT_MS, 1, 10_000, "how long one ICMP echo "
            + "may take"));
        k.add(integer(t, "tries", ConfigParser.DEFAULT_TIEBREAK_TRIES, 1, 10, "echoes per target, spaced timeout "
            + "apart"));
        return List.copyOf(k);
    }

    // ------------------------------------------------------------------------------ the super cluster file

    /** The super cluster file, read by {@link SuperConfigParser}. */
    static final Table SUPER = new Table("super cluster file", List.of(
        new Section("super", false, false, "the super cluster as a whole; one, required"),
        new Section("cluster", true, false, "one per cluster, 1 to " + SuperConfig.MAX_CLUSTERS)),
        superKeys());

    private static List<Key> superKeys() {
        final List<Key> k = new ArrayList<>();
        final String s = "super";
        k.add(other(s, "name", Type.NAME, REQUIRED, NAME_RANGE, "the super cluster's name, the same on every "
            + "server"));
        k.add(other(s, "key-file", Type.PATH, REQUIRED, ANY_PATH + ", mode 0600, owned by root", "the super "
            + "cluster key ('armd keygen FILE'), not any one cluster's"));
        k.add(other(s, "master", Type.NAME, REQUIRED, "a [cluster NAME] of the file", "the cluster whose servers "
            + "hold every cluster's configuration"));
        k.add(integer(s, "port", SuperConfigParser.DEFAULT_PORT, 1, 65535, "the UDP port of the super cluster's "
            + "frames, the same on every server (each server listens at its own address)"));
        k.add(integer(s, "generation", 0, 0, SuperConfig.MAX_GENERATION, "raised by 'armd super "
            + "designate-master': servers of another generation do not hear each other, and the versions of a "
            + "generation G count from G x 1000000"));
        k.add(other(s, "state-dir", Type.PATH, ConfigParser.DEFAULT_STATE_DIR.toString(), ANY_PATH, "where each "
            + "server keeps its copies (one directory per server name below it)"));
        k.add(yesNo(s, "start-from-copy", false, "an agent that no management server answers starts from its "
            + "last verified copy instead of waiting"));
        k.add(duration(s, "fetch-timeout", SuperConfigParser.DEFAULT_FETCH_TIMEOUT_MS, 0, DAY, "how long a "
            + "starting agent tries to reach a management server"));
        k.add(choice(s, "apply", "auto", Match.EXACT, List.of("auto", "manual"), "auto: a newer version of the "
            + "cluster's configuration is applied as soon as it is fetched; manual: it is fetched, verified and kept, "
            + "and applied on request (SIGHUP, systemctl reload, or armconf apply)"));
        k.add(duration(s, "poll-interval", SuperConfigParser.DEFAULT_POLL_INTERVAL_MS, 100, DAY, "how often a "
            + "running agent asks for a newer version of its cluster's configuration"));
        k.add(duration(s, "timeout", SuperConfigParser.DEFAULT_TIMEOUT_MS, 10, 600_000, "how long one request "
            + "may take"));
        k.add(other("cluster", "servers", Type.SERVERS, REQUIRED, "NAME ADDRESS pairs, comma-separated: "
            + "IPv4 or IPv6 (not link-local) heartbeat addresses", "the cluster's servers, in its configuration's order"));
        return List.copyOf(k);
    }
}
