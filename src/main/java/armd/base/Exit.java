package armd.base;

/** The documented exit codes of every {@code armd} subcommand (README: "Exit codes"). */
public final class Exit {
    /** Healthy, done, address free, reply received. */
    public static final int OK = 0;
    /** A fault was detected (not ready, no reply, conflict) or the operation was refused. */
    public static final int FAULT = 1;
    /** The command line or a configuration file is wrong. */
    public static final int USAGE = 2;
    /** A system error: cannot open, not supported, permission denied. */
    public static final int SYSTEM = 3;
    /** The agent is not running or does not answer. */
    public static final int NO_AGENT = 4;
    /** A bug in armd: reported with a stack trace. */
    public static final int INTERNAL = 70;

    private Exit() {
    }
}
