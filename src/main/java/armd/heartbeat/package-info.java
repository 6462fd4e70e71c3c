/**
 * Heartbeat transport and authentication: UDP (multicast or unicast) and in-memory transports, the
 * authenticated frame receiver with its replay windows and drop counters, and the real-time sender thread.
 * Membership decisions are made above this package, from what {@link armd.heartbeat.HeartbeatReceiver} delivers.
 */
package armd.heartbeat;
