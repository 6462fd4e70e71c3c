/** Carrying out decisions: running group start and stop scripts. */
package armd.action;
