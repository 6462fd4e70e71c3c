package armd.probe;

import armd.base.Exit;

/** The three outcomes of every probe, with the exit code the CLI leaves with. */
public enum ProbeOutcome {
    /** Ready, reply received, address free. */
    HEALTHY(Exit.OK),
    /** A fault was detected: not ready, no reply, conflict. */
    FAULT(Exit.FAULT),
    /** The probe could not be made: cannot open, not supported, permission denied. */
    ERROR(Exit.SYSTEM);

    private final int exitCode;

    ProbeOutcome(final int exitCode) {
        this.exitCode = exitCode;
    }

    /** The documented exit code for this outcome. */
    public int exitCode() {
        return exitCode;
    }

    /** The worse of two outcomes (ERROR over FAULT over HEALTHY), for repeated probes. */
    public ProbeOutcome worst(final ProbeOutcome other) {
        return other.ordinal() > ordinal() ? other : this;
    }
}
