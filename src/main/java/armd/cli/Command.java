package armd.cli;

/** One {@code armd} subcommand. */
public interface Command {
    /**
     * Runs with the arguments after the subcommand's name and returns an {@link Exit} code. Operator
     * mistakes throw {@link OperatorException}; nothing else should escape for an operator's input.
     */
    int run(String[] args) throws Exception;
}
