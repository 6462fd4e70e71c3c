package armd.cli;

import armd.base.Exit;
import armd.base.OperatorException;

import armd.control.ControlClient;
import armd.control.ControlRequest;
import armd.control.ControlStatus;

import java.io.IOException;
import java.io.PrintStream;
import java.util.Optional;
import java.util.Set;

/**
 * {@code armd cluster|server|group|status}: one request to the running agent over its control socket (the
 * same protocol as the native armcl, armsrv, armgrp and armstat). Prints the agent's text; exits with the
 * reply's status mapped to {@link Exit} (4 when no agent runs).
 */
public final class CtlCommand implements Command {
    private static final String USAGE = """
        usage: armd cluster start|shutdown                [--socket PATH]
               armd server shutdown|leave|return [NAME]   [--socket PATH]   (default NAME: this server)
               armd group start|stop|move GROUP [SERVER]  [--socket PATH]
               armd status [--json]                       [--socket PATH]
          --socket PATH   the agent's control socket (default: env ARMD_SOCKET, else /run/armd/armd.sock)
        exit codes: 0 ok, 1 refused or failed, 2 usage or unknown group/server, 3 system error,
                    4 agent not running""";

    private final String verb;
    private final PrintStream out;

    /** {@code verb} is cluster, server, group or status. */
    public CtlCommand(final String verb) {
        this(verb, System.out);
    }

    /** Prints the agent's text to {@code out}. */
    public CtlCommand(final String verb, final PrintStream out) {
        this.verb = verb;
        this.out = out;
    }

    @Override
    public int run(final String[] argv) {
        final Args args = Args.parse(argv, Set.of("socket", "timeout-ms"), Set.of("json", "help"));
        if (args.flag("help")) {
            out.println(USAGE);
            return Exit.OK;
        }
        final ControlRequest request = request(args);
        final ControlClient client = new ControlClient(ControlClient.socketPath(args.value("socket")),
            args.intValue("timeout-ms", (int) ControlClient.DEFAULT_TIMEOUT_MS, 1, Integer.MAX_VALUE));
        final ControlClient.Reply reply;
        try {
            reply = client.call(request);
        } catch (ControlClient.NotRunningException e) {
            throw new OperatorException(Exit.NO_AGENT, e.getMessage());
        } catch (ControlClient.NotAllowedException e) {
            throw new OperatorException(Exit.SYSTEM, e.getMessage());
        } catch (IOException e) {
            throw new OperatorException(Exit.SYSTEM, e.getMessage());
        }
        if (reply.status() != ControlStatus.OK) {
            throw new OperatorException(reply.status().exitCode(), reply.text().strip());
        }
        if (!reply.text().isEmpty()) {
            out.print(reply.text().endsWith("\n") ? reply.text() : reply.text() + "\n");
        }
        return Exit.OK;
    }

    private ControlRequest request(final Args args) {
        if (verb.equals("status")) {
            args.maxPositionals(0);
            return new ControlRequest.Status(args.flag("json"));
        }
        if (args.flag("json")) {
            throw OperatorException.usage("--json is for 'armd status' only");
        }
        final String op = args.positional(0, "operation (see 'armd " + verb + " --help')");
        return switch (verb + " " + op) {
            case "cluster start" -> {
                args.maxPositionals(1);
                yield new ControlRequest.ClusterStart();
            }
            case "cluster shutdown" -> {
                args.maxPositionals(1);
                yield new ControlRequest.ClusterShutdown();
            }
            case "server shutdown" -> new ControlRequest.ServerShutdown(optional(args, 1));
            case "server leave" -> new ControlRequest.ServerLeave(optional(args, 1));
            case "server return" -> new ControlRequest.ServerReturn(optional(args, 1));
            case "group start" -> new ControlRequest.GroupStart(args.positional(1, "GROUP"), optional(args, 2));
            case "group stop" -> {
                args.maxPositionals(2);
                yield new ControlRequest.GroupStop(args.positional(1, "GROUP"));
            }
            case "group move" -> new ControlRequest.GroupMove(args.positional(1, "GROUP"), optional(args, 2));
            default -> throw OperatorException.usage("unknown operation '" + op + "' for 'armd " + verb
                + "' (see 'armd " + verb + " --help')");
        };
    }

    private static Optional<String> optional(final Args args, final int i) {
        args.maxPositionals(i + 1);
        return i < args.positionals().size() ? Optional.of(args.positionals().get(i)) : Optional.empty();
    }
}
