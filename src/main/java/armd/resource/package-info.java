/**
 * Group resources (floating IP, switchable disk partition, NFS mount): activated in file order before a group's
 * start script and released in reverse after its stop script, by {@link armd.resource.ResourceLauncher}.
 */
package armd.resource;
