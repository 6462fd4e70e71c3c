package armd.cli;

import armd.base.Exit;
import armd.base.OperatorException;

import java.util.Arrays;

/** {@code armd probe tur|ping|arp|ndp|pr ...}: dispatches to one probe. */
public final class ProbeCommand implements Command {
    @Override
    public int run(final String[] args) throws Exception {
        if (args.length == 0) {
            throw OperatorException.usage("which probe? tur, ping, arp, ndp or pr");
        }
        if (args[0].equals("--help") || args[0].equals("-h")) {
            System.out.println("""
                usage: armd probe tur DEVICE [--timeout MS] [--count N --interval MS] [--json]
                       armd probe ping ADDRESS [--interface IF] [--timeout MS] [--count N --interval MS] [--json]
                       armd probe arp ADDRESS --interface IF [--probes N --spacing MS --wait MS] [--json]
                       armd probe arp --announce ADDRESS --interface IF [--count N --spacing MS]
                       armd probe ndp ADDRESS --interface IF [--probes N --spacing MS --wait MS] [--json]
                       armd probe ndp --announce ADDRESS --interface IF [--count N --spacing MS]
                       armd probe pr DEVICE keys|reservation|register KEY|reserve KEY|preempt KEY VICTIM|...
                  'armd probe tur|ping|arp|ndp|pr --help' describes one probe.
                exit codes: 0 healthy, 1 fault detected, 2 usage, 3 system error""");
            return Exit.OK;
        }
        final String[] rest = Arrays.copyOfRange(args, 1, args.length);
        return switch (args[0]) {
            case "tur" -> new TurCommand().run(rest);
            case "ping" -> new PingCommand().run(rest);
            case "arp" -> new ArpCommand().run(rest);
            case "ndp" -> new NdpCommand().run(rest);
            case "pr" -> new PrCommand().run(rest);
            default -> throw OperatorException.usage("unknown probe '" + args[0] + "': tur, ping, arp, ndp or pr");
        };
    }
}
