package armd.control;

/**
 * Who is on the other end of a control connection, from SO_PEERCRED at accept: process id (0 when the caller
 * is in a pid namespace the agent cannot see), user id, group id.
 */
public record PeerCredentials(int pid, int uid, int gid) {
    @Override
    public String toString() {
        return "pid " + pid + " uid " + uid + " gid " + gid;
    }
}
