package armd.cli;

import java.util.Arrays;

/** {@code armd probe tur|ping|arp ...}: dispatches to one probe. */
public final class ProbeCommand implements Command {
    @Override
    public int run(final String[] args) throws Exception {
        if (args.length == 0) {
            throw OperatorException.usage("which probe? tur, ping or arp");
        }
        final String[] rest = Arrays.copyOfRange(args, 1, args.length);
        return switch (args[0]) {
            case "tur" -> new TurCommand().run(rest);
            case "ping" -> new PingCommand().run(rest);
            case "arp" -> new ArpCommand().run(rest);
            default -> throw OperatorException.usage("unknown probe '" + args[0] + "': tur, ping or arp");
        };
    }
}
