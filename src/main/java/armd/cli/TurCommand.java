package armd.cli;

/** Placeholder: replaced by the issue that builds this command. */
public final class TurCommand implements Command {
    @Override
    public int run(final String[] args) {
        throw new OperatorException(Exit.USAGE, "not built yet");
    }
}
