package armd.monitor;

import armd.config.MonitorConfig;
import armd.probe.LinkMonitor;
import armd.sys.Errno;
import armd.sys.EventLoop;
import armd.sys.netlink.Rtnetlink;
import armd.sys.proc.Pidfd;
import armd.wire.Rtnl;
import armd.wire.RtnlAddr;
import armd.wire.RtnlLink;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * The event-driven monitors on one thread: link state and floating-IP presence from rtnetlink events, process
 * exit from pidfds; nothing is polled. The known state is re-counted every interval without a system call, so
 * {@code failures} and {@code reset-after} work as for probed monitors (with the default of one failure, the
 * event itself is the failure).
 *
 * <p>Watches are added and removed from any thread through the queue of an {@link EventLoop}; everything else runs
 * on its thread: the subscription and the pidfds are its descriptors, each watch's interval a timer.
 */
final class EventWatcher implements AutoCloseable, LinkMonitor.Handler {
    /** Adds and removes waiting for the watcher thread: far more than a configuration has monitors. */
    private static final int MAX_QUEUED = 4096;

    private final Reporter reporter;
    private final List<Watch> watches = new ArrayList<>();
    private final EventLoop loop;
    private volatile LinkMonitor links;
    /** Whether the rtnetlink subscription is among the loop's descriptors (watcher thread). */
    private boolean linksPolled;

    /** One watched resource. */
    abstract static class Watch {
        final MonitorConfig config;
        final FailureThreshold threshold;
        final long intervalNs;
        long nextTickNs;
        /** The interval's timer (watcher thread). */
        EventLoop.Timer tick;
        volatile boolean stopped;

        Watch(final MonitorConfig config) {
            this.config = config;
            this.threshold = new FailureThreshold(config.failures(),
                TimeUnit.MILLISECONDS.toNanos(config.resetAfterMs()));
            this.intervalNs = TimeUnit.MILLISECONDS.toNanos(config.intervalMs());
            threshold.start();
        }

        /** The resource as last known; true while unknown. */
        abstract boolean healthy();

        /** Why it is not healthy; allocates. */
        abstract String reason();

        /** The descriptor to poll, or -1. */
        int fd() {
            return -1;
        }

        /** Frees what the watch holds (on the watcher thread). */
        void release() {
        }
    }

    /** Link state of one interface. */
    static final class LinkWatch extends Watch {
        final String ifName;
        final byte[] name;
        boolean known;
        boolean adminUp = true;
        boolean carrier = true;
        boolean gone;

        LinkWatch(final MonitorConfig config, final String ifName) {
            super(config);
            this.ifName = ifName;
            this.name = ifName.getBytes(StandardCharsets.US_ASCII);
            // no event will ever come for an interface that does not exist: that is known now
            if (Rtnetlink.ifIndex(ifName) < 0) {
                known = true;
                gone = true;
            }
        }

        @Override
        boolean healthy() {
            return !known || (!gone && adminUp && carrier);
        }

        @Override
        String reason() {
            return "link " + ifName + (gone ? " does not exist (any more)" : !adminUp ? " is administratively down"
                : " lost its carrier");
        }
    }

    /** A floating IP on its interface. */
    static final class IpWatch extends Watch {
        final InetAddress address;
        final byte[] bytes;
        final String ifName;
        int ifIndex;
        boolean present;
        String why;

        IpWatch(final MonitorConfig config, final InetAddress address, final String ifName) {
            super(config);
            this.address = address;
            this.bytes = address.getAddress();
            this.ifName = ifName;
            refresh();
        }

        /** Reads the state with an address dump: at start and after lost events. Allocates. */
        void refresh() {
            ifIndex = Rtnetlink.ifIndex(ifName);
            why = IpCheck.missing(address, ifName);
            present = why == null;
        }

        @Override
        boolean healthy() {
            return present;
        }

        @Override
        String reason() {
            return why != null ? why : armd.wire.RtnlAddr.text(address) + " was removed from " + ifName;
        }
    }

    /** A process named by a pidfile, through its pidfd. */
    static final class ProcessWatch extends Watch {
        final Path pidfile;
        int pidfd = -1;
        int pid;
        String why;

        ProcessWatch(final MonitorConfig config, final Path pidfile) {
            super(config);
            this.pidfile = pidfile;
            reopen();
        }

        /** Reads the pidfile and opens a pidfd for it; sets {@code why} when there is no such process. */
        void reopen() {
            final String text;
            try {
                text = Files.readString(pidfile, StandardCharsets.US_ASCII).strip();
            } catch (IOException e) {
                why = "cannot read pidfile " + pidfile + ": " + e.getMessage();
                return;
            }
            final int p;
            try {
                p = Integer.parseInt(text);
            } catch (NumberFormatException e) {
                why = "pidfile " + pidfile + " holds no pid";
                return;
            }
            final int fd = p > 0 ? Pidfd.open(p) : -Errno.ESRCH;
            if (fd < 0) {
                why = "process " + p + " (pidfile " + pidfile + ") is not running";
                return;
            }
            pid = p;
            pidfd = fd;
            why = null;
        }

        @Override
        boolean healthy() {
            return pidfd >= 0;
        }

        @Override
        String reason() {
            return why;
        }

        @Override
        int fd() {
            return pidfd;
        }

        /** The process exited (its pidfd became readable). */
        void exited() {
            Pidfd.close(pidfd);
            pidfd = -1;
            why = "process " + pid + " (pidfile " + pidfile + ") exited";
        }

        @Override
        void release() {
            if (pidfd >= 0) {
                Pidfd.close(pidfd);
                pidfd = -1;
            }
        }
    }

    /** Starts the watcher thread (in the caller's network namespace). */
    EventWatcher(final Reporter reporter) {
        this.reporter = reporter;
        this.loop = new EventLoop("armd-monitor-events", MAX_QUEUED, this::stopped);
    }

    /**
     * Adds {@code w}, built on the caller's thread. Link and ip watches need the rtnetlink subscription: it is
     * opened here on the first one, so in the caller's network namespace.
     */
    void add(final Watch w) {
        if (w instanceof LinkWatch || w instanceof IpWatch) {
            synchronized (this) {
                if (links == null) {
                    links = LinkMonitor.open(true);
                }
            }
        }
        try {
            loop.execute(() -> added(w));
        } catch (RejectedExecutionException e) {
            // the watcher has stopped (a broken subscription, said already) or is closing
            w.release();
            reporter.unusable(w.config, "event watcher stopped: " + e.getMessage());
        }
    }

    private void added(final Watch w) {
        final LinkMonitor l = links;
        if (l != null && !linksPolled) {
            linksPolled = true;
            loop.watch(l.fd(), EventLoop.POLLIN, (fd, revents) -> l.poll(this));
        }
        watches.add(w);
        w.nextTickNs = System.nanoTime() + w.intervalNs;
        w.tick = loop.timer(() -> tick(w));
        w.tick.at(w.nextTickNs);
        if (w instanceof ProcessWatch p) {
            pollProcess(p);
        }
        if (w instanceof LinkWatch) {
            l.requestLinkDump();
        }
        // the state it starts from counts as the first result
        evaluate(w, System.nanoTime());
    }

    /** Removes {@code w}: from now on it reports nothing. */
    void remove(final Watch w) {
        w.stopped = true;
        try {
            loop.execute(() -> {
                if (watches.remove(w)) {
                    w.tick.remove();
                    if (w.fd() >= 0) {
                        loop.unwatch(w.fd());
                    }
                }
                w.release();
            });
        } catch (RejectedExecutionException e) {
            // the loop has ended: close() or nobody will free it
            w.release();
        }
    }

    /** Polls a watched process's pidfd, when it has one. */
    private void pollProcess(final ProcessWatch p) {
        if (p.pidfd >= 0) {
            loop.watch(p.pidfd, EventLoop.POLLIN, (fd, revents) -> {
                // unwatched before exited() closes it: the number may be reused at once
                loop.unwatch(fd);
                p.exited();
                evaluate(p, System.nanoTime());
            });
        }
    }

    private void tick(final Watch w) {
        final long nowNs = System.nanoTime();
        w.nextTickNs += w.intervalNs;
        if (nowNs - w.nextTickNs > 0) {
            w.nextTickNs = nowNs + w.intervalNs;
        }
        w.tick.at(w.nextTickNs);
        if (w instanceof ProcessWatch p && p.pidfd < 0) {
            // a restarted process writes a new pidfile: look again while it is down
            p.reopen();
            pollProcess(p);
        }
        evaluate(w, nowNs);
    }

    /** The loop has ended: after a broken subscription every watched resource is unwatched, which must be said. */
    private void stopped() {
        final RuntimeException e = loop.failure();
        if (e != null) {
            for (int i = 0; i < watches.size(); i++) {
                reporter.unusable(watches.get(i).config, "event watcher stopped: " + e.getMessage());
            }
        }
    }

    private void evaluate(final Watch w, final long nowNs) {
        if (w.stopped) {
            return;
        }
        final int verdict = w.threshold.result(w.healthy(), nowNs);
        if (verdict == FailureThreshold.FAILED) {
            reporter.failed(w.config, w.reason());
        } else if (verdict == FailureThreshold.NORMAL_AGAIN) {
            reporter.normalAgain(w.config);
        }
    }

    @Override
    public void onLink(final int type, final RtnlLink link) {
        final long nowNs = System.nanoTime();
        for (int i = 0; i < watches.size(); i++) {
            final Watch w = watches.get(i);
            if (w instanceof LinkWatch l && link.nameIs(l.name)) {
                final boolean was = l.healthy();
                l.known = true;
                l.gone = type == Rtnl.RTM_DELLINK;
                l.adminUp = link.adminUp();
                l.carrier = link.hasCarrier();
                if (was != l.healthy()) {
                    evaluate(l, nowNs);
                }
            } else if (w instanceof IpWatch ip && type == Rtnl.RTM_DELLINK && link.ifIndex() == ip.ifIndex
                && ip.present) {
                ip.present = false;
                ip.why = "interface " + ip.ifName + " is gone";
                evaluate(ip, nowNs);
            }
        }
    }

    @Override
    public void onAddress(final int type, final RtnlAddr address) {
        final long nowNs = System.nanoTime();
        for (int i = 0; i < watches.size(); i++) {
            if (watches.get(i) instanceof IpWatch ip && address.ifIndex() == ip.ifIndex && address.is(ip.bytes)) {
                final boolean present = type == Rtnl.RTM_NEWADDR;
                if (present != ip.present) {
                    ip.present = present;
                    ip.why = null;
                    evaluate(ip, nowNs);
                }
            }
        }
    }

    @Override
    public void onOverrun() {
        // events were lost: read the state again
        links.requestLinkDump();
        for (int i = 0; i < watches.size(); i++) {
            if (watches.get(i) instanceof IpWatch ip) {
                ip.refresh();
            }
        }
    }

    /** Stops the thread and frees every watch. */
    @Override
    public void close() {
        if (!loop.stop(EventLoop.CLOSE_WAIT_MS)) {
            // the thread is stuck in a callback and still uses them: leave the watches and the subscription
            return;
        }
        for (final Watch w : watches) {
            w.release();
        }
        watches.clear();
        synchronized (this) {
            if (links != null) {
                links.close();
            }
        }
    }
}
