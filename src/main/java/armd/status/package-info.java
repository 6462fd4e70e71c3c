/**
 * What an operator sees of a running agent: plain records of the cluster's status (servers and their heartbeat
 * paths, groups with their resources, monitors and failover counters, the last transitions), rendered as text
 * (armstat), JSON (armstat --json), the Prometheus text format (/metrics) and a self-refreshing HTML page served
 * read-only by the JDK's HTTP server. Depends on armd.base only.
 */
package armd.status;
