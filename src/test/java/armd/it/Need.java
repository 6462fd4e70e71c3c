package armd.it;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * What a test needs from the machine (root, a kernel feature, a package, a built command). Where it is missing the
 * test is skipped with a loud line, except in CI (environment variable CI=true), where it fails with the same
 * message: CI runs as root on a machine scripts/setup prepared, so a skip there would hide a broken setup and let
 * the build pass without the test.
 */
public final class Need {
    private Need() {
    }

    /** Whether this run is CI's (CI=true). */
    public static boolean ci() {
        return "true".equals(System.getenv("CI"));
    }

    /** Skips the calling test loudly when {@code ok} is false (fails it under CI=true), saying {@code what}. */
    public static void that(final boolean ok, final String what) {
        if (!ok) {
            missing(what);
            Assumptions.abort(what);
        }
    }

    /** Root (CAP_NET_ADMIN, CAP_SYS_ADMIN for namespaces, loop devices, mounts). */
    public static void root() {
        that(armd.sys.Libc.geteuid() == 0, "this test needs root (CI runs as root)");
    }

    /**
     * For a part of a test that cannot run here while the rest can: a loud line, and a failure under CI=true;
     * the caller then goes on without that part.
     */
    public static void partMissing(final String what) {
        missing(what);
    }

    private static void missing(final String what) {
        if (ci()) {
            Assertions.fail(what + " (CI=true: a missing capability fails the test instead of skipping it)");
        }
        System.err.println("*** SKIPPED: " + what + " ***");
    }
}
