package armd.agent;

import armd.base.AgentLog;
import armd.sys.Errno;
import armd.sys.SdNotify;
import armd.sys.SysException;

import java.util.function.BooleanSupplier;
import java.util.function.LongConsumer;

/**
 * Tells the service manager (systemd, Type=notify) how the agent is: {@code READY=1} once it serves (the control
 * socket listens and the heartbeat sender has started sending), {@code WATCHDOG=1} from the agent's own event loop
 * every half {@code WATCHDOG_USEC}, {@code STOPPING=1} on the way out. A hung agent thread sends no more WATCHDOG=1
 * and systemd stops the unit (WatchdogSec). Does nothing when {@code NOTIFY_SOCKET} is not set.
 *
 * <p>{@link #accept} runs on the agent thread once per loop turn with the loop's own clock; it allocates nothing
 * (pre-built message, one comparison per turn). WATCHDOG_PID is not checked: a guardian process that becomes the
 * unit's main process (NotifyAccess=all) passes the agent its environment as it is.
 */
public final class ServiceNotifier implements LongConsumer, AutoCloseable {
    private final SdNotify socket;
    private final SdNotify.Message watchdog;
    private final long intervalNs;
    private final BooleanSupplier serving;
    private final String status;
    private final AgentLog log;
    private boolean ready;
    private long lastNs;
    private boolean failedOnce;

    private ServiceNotifier(final SdNotify socket, final long watchdogUsec, final BooleanSupplier serving,
                            final String status, final AgentLog log) {
        this.socket = socket;
        this.watchdog = socket == null ? null : socket.message("WATCHDOG=1");
        this.intervalNs = watchdogUsec > 0 ? watchdogUsec * 1_000L / 2 : 0;
        this.serving = serving;
        this.status = status;
        this.log = log;
    }

    /**
     * The notifier of this process's environment (NOTIFY_SOCKET, WATCHDOG_USEC). {@code serving} says when the
     * agent serves; {@code status} is the STATUS= text sent with READY=1.
     */
    public static ServiceNotifier fromEnvironment(final BooleanSupplier serving, final String status,
                                                  final AgentLog log) {
        final SdNotify s;
        try {
            s = SdNotify.fromEnvironment();
        } catch (SysException e) {
            log.error("cannot notify the service manager: " + e.getMessage() + "; readiness and watchdog are off");
            return new ServiceNotifier(null, 0, serving, status, log);
        }
        final long usec = watchdogUsec(System.getenv("WATCHDOG_USEC"));
        if (s != null) {
            log.info("service manager notification on " + s.path() + (usec > 0 ? ", watchdog every "
                + usec / 2_000 + " ms (WATCHDOG_USEC " + usec + ")" : ", no watchdog"));
        }
        return new ServiceNotifier(s, usec, serving, status, log);
    }

    /** A notifier on {@code socket} (tests: a socket of their own) with a watchdog of {@code watchdogUsec}. */
    static ServiceNotifier of(final SdNotify socket, final long watchdogUsec, final BooleanSupplier serving,
                              final String status, final AgentLog log) {
        return new ServiceNotifier(socket, watchdogUsec, serving, status, log);
    }

    /** WATCHDOG_USEC as a positive number of microseconds, else 0. */
    static long watchdogUsec(final String value) {
        if (value == null) {
            return 0;
        }
        try {
            final long v = Long.parseLong(value.strip());
            return v > 0 ? v : 0;
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** Whether a service manager listens (NOTIFY_SOCKET was set). */
    public boolean active() {
        return socket != null;
    }

    /** One turn of the agent loop at {@code nowNs}: READY=1 once serving, then WATCHDOG=1 when due. */
    @Override
    public void accept(final long nowNs) {
        if (socket == null) {
            return;
        }
        if (!ready) {
            if (!serving.getAsBoolean()) {
                return;
            }
            ready = true;
            lastNs = nowNs;
            check(socket.send("READY=1\nSTATUS=" + status + (intervalNs > 0 ? "\nWATCHDOG=1" : "")), "READY=1");
            return;
        }
        if (intervalNs > 0 && nowNs - lastNs >= intervalNs) {
            lastNs = nowNs;
            check(socket.send(watchdog), "WATCHDOG=1");
        }
    }

    private void check(final int rc, final String what) {
        // EAGAIN: the manager is busy and the next ping comes soon; anything else is said once
        if (rc < 0 && rc != -Errno.EAGAIN && !failedOnce) {
            failedOnce = true;
            log.warning("cannot send " + what + " to the service manager: " + Errno.describe(-rc));
        }
    }

    /** STOPPING=1: the agent is shutting down (systemd then expects no more watchdog pings). */
    public void stopping() {
        if (socket != null) {
            socket.send("STOPPING=1");
        }
    }

    @Override
    public void close() {
        if (socket != null) {
            socket.close();
        }
    }
}
