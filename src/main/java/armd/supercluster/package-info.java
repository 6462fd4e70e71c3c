/**
 * The super cluster's pure core (docs/behaviour.md#super-cluster): the verified store of the clusters'
 * configurations, the management server's election (votes, leases, forced return) and the bookkeeping of a push
 * to a majority of the master servers. No threads and no sockets: the clock is passed in (nanoseconds), frames
 * go in and out as values; the runtime above sends and receives them.
 */
package armd.supercluster;
