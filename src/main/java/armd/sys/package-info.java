/**
 * The FFM boundary: the only package (with its subpackages) that imports {@code java.lang.foreign}.
 * Downcall handles are built once; errno is captured with the linker's call-state option; struct layouts
 * and constants are hand-written and cite their kernel header.
 */
package armd.sys;
