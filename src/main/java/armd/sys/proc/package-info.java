/** Process handles: pidfds (open, signal) and a poll set that waits on them, for armload/armkill. */
package armd.sys.proc;
