package armd.agent;

import armd.control.ControlReply;

import java.nio.file.Path;

/** The super cluster requests of the control socket (armconf), answered by the agent's super cluster side. */
public interface SuperControl {
    /** Pushes the configuration in {@code file} to the management server; answers through {@code reply}. */
    void push(Path file, ControlReply reply);

    /** Forced return of this master server; answers through {@code reply}. */
    void forceReturn(ControlReply reply);

    /** Applies the fetched version that waits for a request (apply = manual); answers through {@code reply}. */
    void apply(ControlReply reply);
}
