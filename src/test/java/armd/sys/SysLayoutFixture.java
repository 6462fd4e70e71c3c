package armd.sys;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * The struct sizes, field offsets and constants of the C headers, as native/tests/sys_layout.c prints them
 * (src/test/resources/fixtures/sys-layout.tsv, "name TAB value"; `make -C native test` checks the file against
 * this machine's headers). The layout tests compare what armd.sys hand-writes with it.
 */
public final class SysLayoutFixture {
    private static final Map<String, Long> VALUES = load();

    private SysLayoutFixture() {
    }

    /** The value of {@code name} ("sg_io_hdr.cmdp", "sockaddr_ll.size", "SG_IO"); fails on an unknown name. */
    public static long value(final String name) {
        final Long v = VALUES.get(name);
        if (v == null) {
            throw new IllegalArgumentException("sys-layout.tsv has no " + name + ": add it to native/tests/sys_layout.c"
                + " and run make -C native layout-fixture");
        }
        return v;
    }

    /** The offset of {@code field} in the model {@code layout}, to compare with value(struct + "." + field). */
    public static long offset(final StructLayout layout, final String field) {
        return layout.byteOffset(MemoryLayout.PathElement.groupElement(field));
    }

    private static Map<String, Long> load() {
        try (InputStream in = SysLayoutFixture.class.getResourceAsStream("/fixtures/sys-layout.tsv")) {
            if (in == null) {
                throw new IllegalStateException("no /fixtures/sys-layout.tsv on the test class path");
            }
            final Map<String, Long> m = new HashMap<>();
            int n = 0;
            for (final String line : new String(in.readAllBytes(), StandardCharsets.US_ASCII).split("\n")) {
                n++;
                final String[] f = line.split("\t");
                if (f.length != 2) {
                    throw new IllegalStateException("sys-layout.tsv:" + n + ": expected NAME TAB VALUE: " + line);
                }
                m.put(f[0], Long.parseLong(f[1]));
            }
            return Map.copyOf(m);
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
