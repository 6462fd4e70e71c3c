/**
 * Resource monitors (SPEC.md section 3): the probes of each monitor type, the failure threshold and
 * normal-again timing, and the engine that runs a group's monitors while it is online.
 */
package armd.monitor;
