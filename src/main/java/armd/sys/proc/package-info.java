/** Process-level syscalls the JDK lacks: signalling a whole process group. */
package armd.sys.proc;
