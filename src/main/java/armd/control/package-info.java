/**
 * The agent's control channel: a root-only AF_UNIX socket serving the arm* commands and {@code armd ctl}
 * ({@link armd.control.ControlServer}), the typed requests the agent implements
 * ({@link armd.control.ControlHandler}), the Java client, and the pidfd watcher behind armload/armkill.
 */
package armd.control;
