package armd;

import armd.cli.CheckCommand;
import armd.cli.Command;
import armd.cli.CtlCommand;
import armd.base.Exit;
import armd.cli.IpCommand;
import armd.cli.KeygenCommand;
import armd.cli.LinkCommand;
import armd.base.OperatorException;
import armd.cli.ProbeCommand;
import armd.cli.RunCommand;
import armd.sys.SysException;

import java.io.PrintStream;
import java.util.Arrays;

/**
 * The {@code armd} entry point: dispatches a subcommand and maps failures to the documented exit codes,
 * with a one-line message for every operator mistake and a stack trace only for armd's own bugs.
 */
public final class Main {
    static final String USAGE = """
        usage: armd COMMAND [ARGS...]
          run --config FILE --server NAME [--socket PATH] [--state-dir DIR] [--super SUPERFILE]
                                                run the cluster agent of server NAME
          run --super SUPERFILE --server NAME   the same, its configuration from the super cluster
          config push FILE --super SUPERFILE    a cluster's configuration to the management server
          config versions --super SUPERFILE     the configurations' versions it holds
          super force-return | designate-master CLUSTER --super SUPERFILE
                                                when the master cluster is down
          check --config FILE [--json]          validate a configuration file
          keygen FILE [--force]                 write a new cluster key file (mode 0600)
          probe tur DEVICE [--timeout MS] [--count N --interval MS] [--json]
                                                SCSI TEST UNIT READY through SG_IO
          probe ping ADDRESS [--interface IF] [--timeout MS] [--count N --interval MS] [--json]
                                                ICMP echo
          probe arp ADDRESS --interface IF [--probes N --spacing MS --wait MS] [--json]
                                                ARP conflict probe (RFC 5227)
          probe arp --announce ADDRESS --interface IF [--count N --spacing MS]
                                                gratuitous ARP announcements
          probe ndp ADDRESS --interface IF [--probes N --spacing MS --wait MS] [--json]
                                                IPv6 duplicate address probe (neighbour discovery)
          probe ndp --announce ADDRESS --interface IF [--count N --spacing MS]
                                                unsolicited neighbour advertisements
          ip add|del ADDRESS/PREFIX --interface IF | ip list [--interface IF]
          link watch [--interface IF]           print link and address events
          cluster start|shutdown                cluster operations (through the running agent)
          server shutdown|leave|return [NAME]   server operations
          group start|stop|move GROUP [SERVER]  group operations
          status [--json]                       servers and groups
          rsp --group G (--config FILE [--monitor NAME] | --ping ADDR | --link IF | --tur DEV | --script CMD)
                                                run monitors standalone; fail over or stop G when one fails
        exit codes: 0 ok, 1 fault or refused, 2 usage, 3 system error, 4 agent not running
        'armd COMMAND --help' describes a command.""";

    private Main() {
    }

    /** Runs armd and exits with its code. */
    public static void main(final String[] argv) {
        System.exit(run(argv, System.out, System.err));
    }

    /** Runs one command; returns the exit code. */
    static int run(final String[] argv, final PrintStream out, final PrintStream err) {
        if (argv.length == 0 || argv[0].equals("help") || argv[0].equals("--help") || argv[0].equals("-h")) {
            (argv.length == 0 ? err : out).println(USAGE);
            return argv.length == 0 ? Exit.USAGE : Exit.OK;
        }
        final String[] rest = Arrays.copyOfRange(argv, 1, argv.length);
        final Command command = switch (argv[0]) {
            case "run" -> new RunCommand();
            case "check" -> new CheckCommand();
            case "keygen" -> new KeygenCommand();
            case "probe" -> new ProbeCommand();
            case "ip" -> new IpCommand();
            case "link" -> new LinkCommand();
            case "rsp" -> new armd.cli.RspCommand();
            case "config" -> new armd.cli.ConfigCommand();
            case "super" -> new armd.cli.SuperCommand();
            case "cluster", "server", "group", "status" -> new CtlCommand(argv[0]);
            case "version", "--version" -> args -> {
                if (args.length > 0 && !args[0].equals("--help")) {
                    throw OperatorException.usage("unexpected argument '" + args[0] + "' (usage: armd version)");
                }
                out.println(args.length > 0 ? "usage: armd version\n  prints armd's version" : "armd "
                    + Main.class.getPackage().getImplementationVersion());
                return Exit.OK;
            };
            default -> null;
        };
        if (command == null) {
            err.println("armd: unknown command '" + argv[0] + "'; run 'armd help' for the list");
            return Exit.USAGE;
        }
        try {
            return command.run(rest);
        } catch (OperatorException e) {
            err.println("armd " + argv[0] + ": " + e.getMessage());
            return e.exitCode();
        } catch (SysException e) {
            err.println("armd " + argv[0] + ": " + e.getMessage());
            return Exit.SYSTEM;
        } catch (Exception e) {
            err.println("armd " + argv[0] + ": internal error (a bug in armd, please report it):");
            e.printStackTrace(err);
            return Exit.INTERNAL;
        }
    }
}
