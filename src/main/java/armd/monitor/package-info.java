/**
 * Resource monitors (docs/behaviour.md#resource-monitoring): the probes of each monitor type, the failure threshold and
 * normal-again timing, and the engine that runs a group's monitors while it is online.
 */
package armd.monitor;
