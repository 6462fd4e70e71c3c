package armd.cli;

import armd.base.Exit;
import armd.base.OperatorException;

import armd.base.AgentLog;
import armd.action.ResourceEvents;
import armd.cluster.Destination;
import armd.cluster.FailureAction;
import armd.config.ClusterConfig;
import armd.config.ConfigParser;
import armd.config.FileSafety;
import armd.config.MonitorConfig;
import armd.control.ControlClient;
import armd.control.ControlRequest;
import armd.control.ControlStatus;
import armd.monitor.MonitorEngine;
import armd.sys.netlink.Rtnetlink;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code armd rsp}: the guide's armrsp. Runs resource monitors standalone, from a configuration's
 * {@code [monitor NAME]} sections or given inline, and when one fails asks the running agent, through the control
 * socket, to fail the group over or stop it; then exits 1. A long-running watcher: one JVM per watch.
 */
public final class RspCommand implements Command {
    static final String USAGE = """
        usage: armd rsp --group G --config FILE [--monitor NAME ...] [--server NAME] [--socket PATH]
               armd rsp --group G (--ping ADDR | --link IF | --tur DEV | --script CMD) ... [--interval DUR]
                        [--timeout DUR] [--failures N] [--action failover|stop] [--socket PATH]
          watches resources and, when one fails, asks the running agent to fail group G over (or stop it);
          runs until then, or until SIGTERM/SIGINT. One long-running process per watch.
          --config FILE     the monitors of group G in FILE ([monitor NAME] sections)
          --monitor NAME    only this monitor of the group (repeatable; default: all of them)
          --server NAME     this server in FILE (a partition monitor uses its own sector; default: the host name)
          --ping ADDR       ICMP echo to ADDR; the default gateway is the recommended target (repeatable)
          --link IF         carrier and admin state of interface IF, from rtnetlink events (repeatable)
          --tur DEV         SCSI TEST UNIT READY on DEV (repeatable)
          --script CMD      run the executable CMD; an exit code other than 0 is a failure (repeatable)
          --interval DUR    time between probes, e.g. 500ms, 2s (default 1s)
          --timeout DUR     how long one probe may take (default 500ms; scripts 10s)
          --failures N      consecutive failed probes that make a failure (default 3; --link 1)
          --action A        failover (default) or stop
          --socket PATH     the agent's control socket (default: the configuration's, else $ARMD_SOCKET,
                            else /run/armd/armd.sock)
        exit: 0 stopped by SIGTERM/SIGINT, 1 a resource failed and the agent was asked to act, 2 usage or
              configuration error (also: a monitor that cannot work here, e.g. --tur on a device without SCSI),
              4 the agent is not reachable (checked at start and when acting)""";

    private static final Set<String> REPEATABLE = Set.of("monitor", "ping", "link", "tur", "script");
    private static final Pattern DURATION = Pattern.compile("(\\d{1,9})\\s*(ms|s|m)?");

    private final PrintStream out;
    private final PrintStream err;

    /** Prints to standard output and error. */
    public RspCommand() {
        this(System.out, System.err);
    }

    /** Prints the outcome to {@code out} and the monitors' log to {@code err} (tests). */
    public RspCommand(final PrintStream out, final PrintStream err) {
        this.out = out;
        this.err = err;
    }

    /** One monitor failure, handed from a monitor thread to the main thread. */
    private record Failure(String name, FailureAction action, String reason) {
    }

    @Override
    public int run(final String[] argv) throws Exception {
        final List<String[]> repeated = new ArrayList<>();
        final List<String> rest = new ArrayList<>();
        for (int i = 0; i < argv.length; i++) {
            final String a = argv[i];
            final String name = a.startsWith("--") ? a.substring(2).split("=", 2)[0] : "";
            if (REPEATABLE.contains(name)) {
                final int eq = a.indexOf('=');
                if (eq < 0 && i + 1 >= argv.length) {
                    throw OperatorException.usage("option --" + name + " needs a value");
                }
                repeated.add(new String[] {name, eq >= 0 ? a.substring(eq + 1) : argv[++i]});
            } else {
                rest.add(a);
            }
        }
        final Args args = Args.parse(rest.toArray(String[]::new), Set.of("group", "config", "server", "socket",
            "interval", "timeout", "failures", "action"), Set.of("help"));
        if (args.flag("help")) {
            out.println(USAGE);
            return Exit.OK;
        }
        args.maxPositionals(0);
        final String group = args.required("group");
        final ClusterConfig config;
        final int serverId;
        if (args.value("config") != null) {
            for (final String[] r : repeated) {
                if (!r[0].equals("monitor")) {
                    throw OperatorException.usage("--" + r[0] + " is for inline monitors, not with --config: add a "
                        + "[monitor NAME] section instead");
                }
            }
            final ClusterConfig file = ConfigParser.load(Path.of(args.value("config")));
            config = fromFile(file, group, repeated);
            serverId = serverId(file, args.value("server"));
        } else {
            config = inline(args, group, repeated);
            serverId = 0;
        }
        // the configuration names the agent's socket; --socket and ARMD_SOCKET are for inline watches
        final Path socket = args.value("socket") == null && config.socketPath() != null ? config.socketPath()
            : ControlClient.socketPath(args.value("socket"));
        final ControlClient client = new ControlClient(socket, ControlClient.DEFAULT_TIMEOUT_MS);
        reachable(client);
        return watch(config, serverId, client, group);
    }

    private int watch(final ClusterConfig config, final int serverId, final ControlClient client,
                      final String group) throws InterruptedException {
        final LinkedBlockingQueue<Failure> failures = new LinkedBlockingQueue<>();
        final ResourceEvents events = new ResourceEvents() {
            @Override
            public void failed(final int g, final String name, final FailureAction action, final Destination d,
                               final String reason) {
                failures.add(new Failure(name, action, reason));
            }

            @Override
            public void normalAgain(final int g, final String name) {
                // logged by the engine; nothing to ask of the agent
            }
        };
        final AgentLog log = new AgentLog("armd-rsp", err);
        // a monitor that cannot work here (a disk monitor on a device without SCSI) ends the watch: exit 2
        final MonitorEngine engine = new MonitorEngine(config, serverId, log, events,
            line -> failures.add(new Failure(null, null, line)));
        final Object done = new Object();
        final boolean[] finished = {false};
        // SIGTERM/SIGINT: stop the monitors and leave with 0 (a normal end of a watch, not a fault)
        final Thread hook = new Thread(() -> {
            synchronized (done) {
                if (finished[0]) {
                    return;
                }
            }
            log.line("signal received: monitors of group " + group + " stopped");
            engine.close();
            err.flush();
            Runtime.getRuntime().halt(Exit.OK);
        }, "armd-rsp-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            engine.groupOnline(0);
            final Failure f = failures.take();
            synchronized (done) {
                finished[0] = true;
            }
            engine.close();
            if (f.name() == null) {
                throw OperatorException.usage(f.reason());
            }
            return act(client, group, f);
        } finally {
            synchronized (done) {
                finished[0] = true;
            }
            engine.close();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // shutting down already
            }
        }
    }

    private int act(final ControlClient client, final String group, final Failure f) {
        final ControlRequest request = f.action() == FailureAction.STOP
            ? new ControlRequest.GroupStop(group) : new ControlRequest.GroupFailover(group);
        final String what = f.action() == FailureAction.STOP ? "stop" : "fail over";
        final ControlClient.Reply reply;
        try {
            reply = client.call(request);
        } catch (ControlClient.NotRunningException | ControlClient.NotAllowedException e) {
            throw new OperatorException(Exit.NO_AGENT, "monitor " + f.name() + " failed (" + f.reason() + ") but "
                + "the agent is not reachable to " + what + " group " + group + ": " + e.getMessage());
        } catch (IOException e) {
            throw new OperatorException(Exit.NO_AGENT, "monitor " + f.name() + " failed (" + f.reason() + ") but "
                + "asking the agent to " + what + " group " + group + " failed: " + e.getMessage());
        }
        out.println("armd rsp: monitor " + f.name() + " failed (" + f.reason() + "): asked the agent to " + what
            + " group " + group + ": " + (reply.status() == ControlStatus.OK ? "done" : reply.status().name()
            .toLowerCase()) + (reply.text().isBlank() ? "" : ": " + reply.text().strip()));
        return Exit.FAULT;
    }

    private static void reachable(final ControlClient client) {
        try {
            client.call(new ControlRequest.Status(false));
        } catch (ControlClient.NotRunningException | ControlClient.NotAllowedException e) {
            throw new OperatorException(Exit.NO_AGENT, e.getMessage());
        } catch (IOException e) {
            throw new OperatorException(Exit.NO_AGENT, "the agent does not answer: " + e.getMessage());
        }
    }

    /** Group {@code group}'s monitors of {@code file} (those named by --monitor), as group 0 of a new config. */
    private static ClusterConfig fromFile(final ClusterConfig file, final String group, final List<String[]> names) {
        final ClusterConfig.Group g = file.group(group).orElseThrow(() -> OperatorException.usage(file.file()
            + ": no group " + group + ": known groups are " + String.join(", ",
            file.groups().stream().map(ClusterConfig.Group::name).toList())));
        final List<MonitorConfig> all = file.monitorsOf(g.id());
        final List<MonitorConfig> chosen = new ArrayList<>();
        if (names.isEmpty()) {
            chosen.addAll(all);
        }
        for (final String[] n : names) {
            final MonitorConfig m = all.stream().filter(x -> x.name().equals(n[1])).findFirst().orElseThrow(() ->
                OperatorException.usage(file.file() + ": group " + group + " has no monitor " + n[1] + ": its "
                    + "monitors are " + (all.isEmpty() ? "none" : String.join(", ",
                    all.stream().map(MonitorConfig::name).toList()))));
            chosen.add(m);
        }
        if (chosen.isEmpty()) {
            throw OperatorException.usage(file.file() + ": group " + group + " has no [monitor NAME] section: add "
                + "one, or give monitors inline (--ping, --link, --tur, --script)");
        }
        // a standalone watch has no activation: every monitor, activation-only ones too, runs until a failure
        final List<MonitorConfig> renumbered = chosen.stream().map(m -> new MonitorConfig(m.name(), m.line(), 0,
            m.intervalMs(), m.timeoutMs(), m.failures(), MonitorConfig.When.ONLINE, m.action(), m.destination(),
            m.resetAfterMs(), m.target())).toList();
        return single(file.file(), g.name(), file.socketPath(), renumbered);
    }

    private static int serverId(final ClusterConfig file, final String serverName) {
        String name = serverName;
        if (name == null) {
            try {
                name = InetAddress.getLocalHost().getHostName().split("\\.", 2)[0];
            } catch (IOException e) {
                name = "";
            }
            return file.server(name).map(ClusterConfig.Server::id).orElse(0);
        }
        final String n = name;
        return file.server(n).map(ClusterConfig.Server::id).orElseThrow(() -> OperatorException.usage(
            file.file() + ": no server " + n + ": known servers are " + String.join(", ",
                file.servers().stream().map(ClusterConfig.Server::name).toList())));
    }

    private static ClusterConfig inline(final Args args, final String group, final List<String[]> specs) {
        if (specs.isEmpty()) {
            throw OperatorException.usage("no monitor: give --config FILE, or --ping, --link, --tur or --script");
        }
        final int intervalMs = durationMs(args, "interval", 1000);
        final String action = args.value("action", "failover");
        final FailureAction a = switch (action) {
            case "failover" -> FailureAction.FAILOVER;
            case "stop" -> FailureAction.STOP;
            default -> throw OperatorException.usage("--action is failover or stop, not '" + action + "'");
        };
        final List<MonitorConfig> monitors = new ArrayList<>();
        for (final String[] s : specs) {
            final String kind = s[0];
            final String value = s[1];
            if (kind.equals("monitor")) {
                throw OperatorException.usage("--monitor NAME needs --config FILE");
            }
            final MonitorConfig.Target target = switch (kind) {
                case "ping" -> {
                    try {
                        yield new MonitorConfig.Ping(InetAddress.ofLiteral(value), null);
                    } catch (IllegalArgumentException e) {
                        throw OperatorException.usage("--ping " + value + ": not an IPv4 or IPv6 address (no host "
                            + "names); the default gateway ('ip route show default') is the recommended target");
                    }
                }
                case "link" -> {
                    if (Rtnetlink.ifIndex(value) < 0) {
                        throw OperatorException.usage("--link " + value + ": no such interface; 'armd ip list' "
                            + "shows them");
                    }
                    yield new MonitorConfig.Link(value);
                }
                case "tur" -> new MonitorConfig.Disk(value);
                case "script" -> {
                    final Path p = Path.of(value).toAbsolutePath();
                    final String unsafe = FileSafety.scriptProblem(p, FileSafety.runningAsRoot());
                    if (unsafe != null) {
                        throw OperatorException.usage("--script: " + unsafe);
                    }
                    yield new MonitorConfig.Script(p);
                }
                default -> throw new IllegalStateException(kind);
            };
            final boolean event = kind.equals("link");
            final int timeoutMs = durationMs(args, "timeout", kind.equals("script") ? 10_000 : 500);
            final int failures = args.intValue("failures", event ? 1 : 3, 1, 1000);
            monitors.add(new MonitorConfig("--" + kind + " " + value, 0, 0, intervalMs, timeoutMs, failures,
                MonitorConfig.When.ONLINE, a, Destination.PRIORITY, 600_000,
                target));
        }
        return single(Path.of("armd-rsp"), group, null, monitors);
    }

    private static int durationMs(final Args args, final String name, final int def) {
        final String v = args.value(name);
        if (v == null) {
            return def;
        }
        final Matcher m = DURATION.matcher(v.strip());
        if (!m.matches()) {
            throw OperatorException.usage("--" + name + " '" + v + "' is not a duration: e.g. 500ms, 2s");
        }
        final long n = Long.parseLong(m.group(1));
        final long ms = m.group(2) == null || m.group(2).equals("ms") ? n : m.group(2).equals("s") ? n * 1000
            : n * 60_000;
        if (ms < 10 || ms > 3_600_000) {
            throw OperatorException.usage("--" + name + " " + v + " is out of range: 10ms to 1h");
        }
        return (int) ms;
    }

    /** A configuration of one group (id 0, named as the agent knows it) with {@code monitors}. */
    private static ClusterConfig single(final Path file, final String group, final Path socket,
                                        final List<MonitorConfig> monitors) {
        return new ClusterConfig(file, "armd-rsp", null, null, false, 0, null, socket, List.of(),
            List.of(new ClusterConfig.Group(0, group, List.of(), null, null, 0))).withMonitors(monitors);
    }
}
