/** mount(2) and umount2(2) for the disk resources. */
package armd.sys.mount;
