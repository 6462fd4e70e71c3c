package armd.agent;

import armd.base.AgentLog;

import armd.base.Exit;
import armd.base.OperatorException;
import armd.cluster.Op;
import armd.config.ClusterConfig;
import armd.control.ControlHandler;
import armd.control.ControlReply;
import armd.control.ControlRequest;
import armd.control.ControlServer;
import armd.control.PeerCredentials;
import armd.control.ProcessWatcher;
import armd.sys.SysException;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The agent side of the control socket: turns each request of the arm* and {@code armd} commands into an
 * operation of the {@link ClusterAgent}, and watches armload's applications (pidfd: a process exit is an
 * event) to restart or fail over their group as armload asked.
 */
public final class ControlBridge implements ControlHandler, AutoCloseable {
    /** A status is a snapshot the agent thread takes between two heartbeats: this long means it is stuck. */
    static final long STATUS_DEADLINE_S = 10;

    private final ClusterConfig config;
    private final ClusterAgent agent;
    private final int self;
    private final AgentLog log;
    private final ProcessWatcher watcher;
    private final ControlServer server;
    private final Map<String, Load> loads = new ConcurrentHashMap<>();
    private final Map<String, Integer> restartsDone = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        final Thread t = new Thread(r, "armd-armload-timer");
        t.setDaemon(true);
        return t;
    });

    private record Load(boolean failover, int restarts, int waitSec) {
    }

    private ControlBridge(final ClusterConfig config, final ClusterAgent agent, final int self, final Path socket,
                          final AgentLog log) throws IOException {
        this.config = config;
        this.agent = agent;
        this.self = self;
        this.log = log;
        this.watcher = new ProcessWatcher(this::exited);
        try {
            this.server = ControlServer.start(ControlServer.Options.defaults(socket), this, log::line);
        } catch (IOException | RuntimeException e) {
            watcher.close();
            throw e;
        }
    }

    private volatile SuperControl superControl;

    /** From now on the super cluster requests go to {@code control}. */
    public void superControl(final SuperControl control) {
        this.superControl = control;
    }

    /** Opens the control socket at {@code socket}; a one-line operator error when it cannot. */
    public static ControlBridge start(final ClusterConfig config, final ClusterAgent agent, final int self,
                                      final Path socket, final AgentLog log) {
        try {
            return new ControlBridge(config, agent, self, socket, log);
        } catch (IOException e) {
            throw new OperatorException(Exit.SYSTEM, "control socket " + socket + ": " + e.getMessage());
        }
    }

    @Override
    public void handle(final ControlRequest request, final PeerCredentials peer, final ControlReply reply) {
        switch (request) {
            case ControlRequest.ClusterStart r -> op(Op.CLUSTER_START, -1, -1, reply);
            case ControlRequest.ClusterShutdown r -> op(Op.CLUSTER_SHUTDOWN, -1, -1, reply);
            case ControlRequest.ServerShutdown r -> serverOp(Op.SERVER_SHUTDOWN, r.server(), reply);
            case ControlRequest.ServerLeave r -> serverOp(Op.SERVER_LEAVE, r.server(), reply);
            case ControlRequest.ServerReturn r -> serverOp(Op.SERVER_RETURN, r.server(), reply);
            case ControlRequest.GroupStart r -> groupOp(Op.GROUP_START, r.group(), r.server(), reply);
            case ControlRequest.GroupStop r -> groupOp(Op.GROUP_STOP, r.group(), Optional.empty(), reply);
            case ControlRequest.GroupMove r -> groupOp(Op.GROUP_MOVE, r.group(), r.server(), reply);
            case ControlRequest.GroupFailover r -> groupOp(Op.GROUP_FAILOVER, r.group(), Optional.empty(), reply);
            case ControlRequest.Status r -> agent.status(r.json())
                .completeOnTimeout(null, STATUS_DEADLINE_S, TimeUnit.SECONDS).thenAccept(text -> {
                    if (text != null) {
                        reply.ok(text);
                    } else {
                        reply.system("the agent thread has not answered for " + STATUS_DEADLINE_S
                            + " s (stuck? see the log)");
                    }
                });
            case ControlRequest.Log r -> {
                if (r.group().isPresent() && config.group(r.group().get()).isEmpty()) {
                    reply.unknown("no group '" + r.group().get() + "' in " + config.file());
                    return;
                }
                log.line((r.group().isPresent() ? "group " + r.group().get() + " " : "")
                    + r.script().map(s -> s + ": ").orElse("armlog: ") + r.message());
                reply.ok("");
            }
            case ControlRequest.Load r -> load(r, reply);
            case ControlRequest.Kill r -> kill(r, reply);
            case ControlRequest.Down r -> {
                log.line("armdown: shutting this server down as a cluster member (its groups fail over)");
                agent.operation(Op.SERVER_SHUTDOWN, -1, self, text -> {
                    reply.ok(text);
                    powerAction();
                }, reply::refused);
            }
            case ControlRequest.Super r -> {
                final SuperControl s = superControl;
                if (s == null) {
                    reply.refused("this agent runs without a super cluster (start it with --super FILE)");
                } else {
                    switch (r.action()) {
                        case "push" -> s.push(Path.of(r.argument()), reply);
                        case "force-return" -> s.forceReturn(reply);
                        case "apply" -> s.apply(reply);
                        default -> reply.usage("unknown super cluster action " + r.action());
                    }
                }
            }
            case ControlRequest.ListMounts r -> {
                if (config.group(r.group()).isEmpty()) {
                    reply.unknown("no group '" + r.group() + "' in " + config.file());
                } else {
                    reply.ok(String.join("\n", config.group(r.group()).get().mountPoints().stream()
                        .map(String::valueOf).toList()));
                }
            }
        }
    }

    /** After armdown: what [cluster] down-action says (nothing by default). */
    private void powerAction() {
        final ClusterConfig.DownAction action = config.actions().downAction();
        if (action == ClusterConfig.DownAction.NONE) {
            log.line("armdown: this server is stopped as a member; down-action = none leaves the machine running");
            return;
        }
        final String cmd = action == ClusterConfig.DownAction.POWEROFF ? "/sbin/poweroff" : "/sbin/reboot";
        log.line("armdown: down-action = " + action.name().toLowerCase() + ": running " + cmd);
        try {
            new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        } catch (java.io.IOException e) {
            log.error("armdown: cannot run " + cmd + ": " + e.getMessage());
        }
    }

    private void op(final Op op, final int group, final int server, final ControlReply reply) {
        agent.operation(op, group, server, reply::ok, reply::refused);
    }

    private void serverOp(final Op op, final Optional<String> name, final ControlReply reply) {
        if (name.isEmpty()) {
            op(op, -1, self, reply);
            return;
        }
        final Optional<ClusterConfig.Server> s = config.server(name.get());
        if (s.isEmpty()) {
            reply.unknown("no server '" + name.get() + "' in " + config.file());
            return;
        }
        op(op, -1, s.get().id(), reply);
    }

    private void groupOp(final Op op, final String group, final Optional<String> server, final ControlReply reply) {
        final Optional<ClusterConfig.Group> g = config.group(group);
        if (g.isEmpty()) {
            reply.unknown("no group '" + group + "' in " + config.file());
            return;
        }
        int target = -1;
        if (server.isPresent()) {
            final Optional<ClusterConfig.Server> s = config.server(server.get());
            if (s.isEmpty()) {
                reply.unknown("no server '" + server.get() + "' in " + config.file());
                return;
            }
            target = s.get().id();
        } else if (op == Op.GROUP_MOVE) {
            agent.moveToNext(g.get().id(), reply::ok, reply::refused);
            return;
        }
        op(op, g.get().id(), target, reply);
    }

    private static String key(final String group, final String id) {
        return group + "/" + id;
    }

    private void load(final ControlRequest.Load r, final ControlReply reply) {
        if (config.group(r.group()).isEmpty()) {
            reply.unknown("no group '" + r.group() + "' in " + config.file());
            return;
        }
        final boolean failover = r.action() == ControlRequest.LoadAction.FAILOVER;
        final String k = key(r.group(), r.id());
        final Load load = new Load(failover, r.restarts(), r.waitSec());
        // registered before the watch: the process may exit (and be reported) before watch() returns
        final Load previous = loads.put(k, load);
        final boolean watching;
        try {
            watching = watcher.watch(r.group(), r.id(), r.pid());
        } catch (SysException e) {
            restore(k, load, previous);
            reply.system("group " + r.group() + ": cannot watch " + r.id() + " (pid " + r.pid() + "): "
                + e.getMessage());
            return;
        }
        if (!watching) {
            // the application already watched under that name keeps its own settings
            restore(k, load, previous);
            reply.refused("group " + r.group() + ": '" + r.id() + "' is already watched");
            return;
        }
        log.line("group " + r.group() + ": armload watches " + r.id() + " (pid " + r.pid() + ", " + r.command()
            + "); on exit: " + (failover ? r.restarts() + " restart(s) " + r.waitSec() + " s apart, then failover"
            : "restart"));
        reply.ok("watching " + r.id() + " (pid " + r.pid() + ")");
    }

    private void restore(final String k, final Load load, final Load previous) {
        if (previous == null) {
            loads.remove(k, load);
        } else {
            loads.replace(k, load, previous);
        }
    }

    /** armload's process exited (watcher thread): restart or fail over its group, as armload asked. */
    private void exited(final String group, final String id, final int pid) {
        final Load l = loads.remove(key(group, id));
        final Optional<ClusterConfig.Group> g = config.group(group);
        if (l == null || g.isEmpty()) {
            return;
        }
        final int done = restartsDone.getOrDefault(key(group, id), 0);
        final boolean failover = l.failover && done >= l.restarts;
        if (failover) {
            restartsDone.remove(key(group, id));
        } else {
            restartsDone.put(key(group, id), done + 1);
        }
        log.warning("group " + group + ": application " + id + " (pid " + pid + ") is gone; "
            + (failover ? "failing the group over" : "restarting the group here"
            + (l.waitSec > 0 ? " in " + l.waitSec + " s" : "")));
        final int gid = g.get().id();
        if (!failover && l.waitSec > 0) {
            timer.schedule(() -> agent.applicationDied(gid, false), l.waitSec, TimeUnit.SECONDS);
        } else {
            agent.applicationDied(gid, failover);
        }
    }

    private void kill(final ControlRequest.Kill r, final ControlReply reply) {
        if (config.group(r.group()).isEmpty()) {
            reply.unknown("no group '" + r.group() + "' in " + config.file());
            return;
        }
        loads.remove(key(r.group(), r.id()));
        watcher.kill(r.group(), r.id(), r.timeoutMs()).thenAccept(outcome -> {
            // a deliberate stop of a running application starts its restart count again; a stop script's
            // armkill after armload found it dead (GROUPRESTART) must not, or the limit is never reached
            if (outcome == ProcessWatcher.KillOutcome.TERMINATED || outcome == ProcessWatcher.KillOutcome.KILLED) {
                restartsDone.remove(key(r.group(), r.id()));
            }
            switch (outcome) {
                case TERMINATED -> reply.ok(r.id() + " stopped");
                case KILLED -> reply.ok(r.id() + " killed (it ignored SIGTERM)");
                case NOT_WATCHED -> reply.unknown("group " + r.group() + ": nothing started by armload as '"
                    + r.id() + "'");
                case UNKILLABLE -> reply.fault(r.id() + " survived SIGKILL (stuck in the kernel?)");
            }
        });
    }

    @Override
    public void close() {
        server.close();
        watcher.close();
        timer.shutdownNow();
    }
}
