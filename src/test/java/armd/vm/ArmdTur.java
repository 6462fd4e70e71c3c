package armd.vm;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;

/**
 * armd's TEST UNIT READY probe ({@code armd.probe.TurProbe}) as the guest cases use it: one open descriptor,
 * probed as often as needed. Bound by reflection for now, so that the harness builds before the probe has
 * landed on this branch; {@link #available()} says whether it has.
 */
final class ArmdTur implements AutoCloseable {
    private static final Class<?> PROBE = find("armd.probe.TurProbe");
    private final Object probe;

    private ArmdTur(final Object probe) {
        this.probe = probe;
    }

    /** Whether armd's probe is on the class path. */
    static boolean available() {
        return PROBE != null;
    }

    /** Opens {@code device}; throws armd's SysException (with the errno) when it cannot be opened. */
    static ArmdTur open(final String device, final int timeoutMs) {
        return new ArmdTur(call(null, method(PROBE, "open", String.class, int.class), device, timeoutMs));
    }

    /** One probe (TEST UNIT READY, retried once after a UNIT ATTENTION), copied out of armd's reused result. */
    TurView probe() {
        final Object r = call(probe, method(PROBE, "probe"));
        final Object sense = get(r, "sense");
        return new TurView("armd", (int) get(get(r, "outcome"), "exitCode"), name(get(r, "outcome")),
            name(get(r, "reason")), name(get(r, "verdict")), (int) get(r, "status"), (int) get(r, "hostStatus"),
            (int) get(r, "driverStatus"), (int) get(sense, "senseKey"), (int) get(sense, "asc"),
            (int) get(sense, "ascq"), (int) get(r, "errno"), (int) get(r, "tries"), (long) get(r, "latencyNs") / 1000,
            (String) get(r, "detail"));
    }

    @Override
    public void close() {
        call(probe, method(PROBE, "close"));
    }

    private static String name(final Object e) {
        return ((Enum<?>) e).name();
    }

    private static Object get(final Object target, final String getter) {
        return call(target, method(target.getClass(), getter));
    }

    private static Method method(final Class<?> c, final String name, final Class<?>... params) {
        try {
            return c.getMethod(name, params);
        } catch (NoSuchMethodException e) {
            throw new AssertionError("armd's probe has no " + c.getSimpleName() + "." + name + ": " + e.getMessage(),
                e);
        }
    }

    private static Object call(final Object target, final Method m, final Object... args) {
        try {
            return m.invoke(target, args);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new AssertionError(m.getName() + ": " + e.getCause(), e.getCause());
        } catch (IllegalAccessException e) {
            throw new AssertionError(m.getName() + ": " + e.getMessage(), e);
        }
    }

    private static Class<?> find(final String name) {
        try {
            return Class.forName(name);
        } catch (ClassNotFoundException e) {
            return null;
        }
    }
}
