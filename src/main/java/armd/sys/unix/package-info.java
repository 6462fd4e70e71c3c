/** AF_UNIX stream sockets with the peer's credentials at accept, and a poll list, for the control socket. */
package armd.sys.unix;
