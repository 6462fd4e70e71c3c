package armd.scenario;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The guide's script-environment tables (src/test/resources/spec/transitions.tsv, described in
 * docs/behaviour.md#walk-throughs) as rows grouped by step, in file order.
 */
public final class Transitions {
    /** One expected script run. */
    public record Row(String step, String what, int run, String server, String script, String group, String event,
                      String armsServer, String priority, String factor) {
        /** Like {@code Sim.Run.line()}, with "=start" values resolved by {@code resolve}. */
        public String line() {
            return server + " " + script + " " + group + " " + event + " " + armsServer + " " + priority + " " + factor;
        }
    }

    private Transitions() {
    }

    /** Steps in file order, each with its rows in file order. */
    public static Map<String, List<Row>> load() throws IOException {
        final Map<String, List<Row>> steps = new LinkedHashMap<>();
        try (InputStream in = Transitions.class.getResourceAsStream("/spec/transitions.tsv")) {
            if (in == null) {
                throw new IOException("test resource spec/transitions.tsv is missing");
            }
            final String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            boolean header = true;
            for (final String line : text.split("\n")) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                if (header) {
                    header = false;
                    continue;
                }
                final String[] f = line.split("\t", -1);
                final Row r = new Row(f[0], f[1], Integer.parseInt(f[2]), f[3], f[4], f[5], f[6], f[7], f[8], f[9]);
                steps.computeIfAbsent(r.step(), k -> new ArrayList<>()).add(r);
            }
        }
        return steps;
    }
}
