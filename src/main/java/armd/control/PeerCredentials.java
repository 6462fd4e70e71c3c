package armd.control;

/**
 * Who is on the other end of a control connection, from SO_PEERCRED: the user and group names (or numbers
 * when they have no name).
 */
public record PeerCredentials(String user, String group) {
    @Override
    public String toString() {
        return "user " + user + " group " + group;
    }
}
