package armd.cli;

/** Placeholder: replaced by the issue that builds the control client. */
public final class CtlCommand implements Command {
    private final String verb;

    /** {@code verb} is cluster, server, group or status. */
    public CtlCommand(final String verb) {
        this.verb = verb;
    }

    @Override
    public int run(final String[] args) {
        throw new OperatorException(Exit.USAGE, verb + ": not built yet");
    }
}
