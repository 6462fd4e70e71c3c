/** Persisted agent state: atomic file replacement and a versioned key=value store that survives kill -9. */
package armd.state;
