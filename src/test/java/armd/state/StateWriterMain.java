package armd.state;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * A child process for {@link StateStoreCrashTest}: continues from the saved version, saves versions one after
 * another (every entry carries the version, plus a large value so a save takes long enough to be cut in the
 * middle), and prints {@code saved N} after each save returns. Stops after {@code args[1]} saves at most.
 */
public final class StateWriterMain {
    private StateWriterMain() {
    }

    /** args: STATE_FILE MAX_SAVES. */
    public static void main(final String[] args) throws Exception {
        final StateStore store = new StateStore(Path.of(args[0]));
        final int maxSaves = Integer.parseInt(args[1]);
        final Map<String, String> old = store.load();
        long version = old.isEmpty() ? 0 : Long.parseLong(old.get("version"));
        for (int i = 0; i < maxSaves; i++) {
            version++;
            store.save(stateOf(version));
            System.out.println("saved " + version);
            System.out.flush();
        }
    }

    /** The complete state of {@code version}: what the test expects to load back. */
    static Map<String, String> stateOf(final long version) {
        final Map<String, String> m = new HashMap<>();
        m.put("version", Long.toString(version));
        for (int k = 0; k < 20; k++) {
            m.put("group." + k + ".last", "server" + (version % 3) + "\\" + version + "\n" + k);
        }
        m.put("padding", Long.toString(version).repeat(8192));
        return m;
    }
}
