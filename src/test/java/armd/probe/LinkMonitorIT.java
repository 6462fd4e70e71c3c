package armd.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import armd.base.Exit;
import armd.cli.LinkCommand;
import armd.it.Netns;
import armd.sys.NetNamespace;
import armd.wire.Rtnl;
import armd.wire.RtnlAddr;
import armd.wire.RtnlLink;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.Test;

/** Link and address events observed after iproute2 changes, inside a test namespace. */
class LinkMonitorIT {
    private static final long WAIT_NS = TimeUnit.SECONDS.toNanos(10);

    /** Remembers what the handler saw, by the test's interface name. */
    static final class Seen implements LinkMonitor.Handler {
        volatile boolean down;
        volatile boolean upAgain;
        volatile boolean addressAdded;

        @Override
        public void onLink(final int type, final RtnlLink link) {
            if (!link.name().equals("e0") || type != Rtnl.RTM_NEWLINK) {
                return;
            }
            if (!link.adminUp() && !link.usable()) {
                down = true;
            } else if (down && link.usable()) {
                upAgain = true;
            }
        }

        @Override
        public void onAddress(final int type, final RtnlAddr address) {
            if (type == Rtnl.RTM_NEWADDR && address.is(new byte[] {(byte) 192, 0, 2, 20})) {
                addressAdded = true;
            }
        }
    }

    @Test
    void aLinkGoingDownAndUpIsObserved() throws Exception {
        Netns.assumeRoot();
        try (Netns n = new Netns("lmon")) {
            final String ns = n.namespace("a");
            n.veth(ns, "e0", ns, "e1");
            try (LinkMonitor monitor = NetNamespace.call(ns, () -> LinkMonitor.open(true))) {
                final Seen seen = new Seen();
                Netns.run("ip", "-n", ns, "link", "set", "e0", "down");
                waitFor(monitor, seen, () -> seen.down);
                Netns.run("ip", "-n", ns, "link", "set", "e0", "up");
                waitFor(monitor, seen, () -> seen.upAgain);
                Netns.run("ip", "-n", ns, "addr", "add", "192.0.2.20/24", "dev", "e0");
                waitFor(monitor, seen, () -> seen.addressAdded);
            }
        }
    }

    private static void waitFor(final LinkMonitor m, final Seen seen, final BooleanSupplier done) {
        final long deadlineNs = System.nanoTime() + WAIT_NS;
        while (!done.getAsBoolean() && System.nanoTime() - deadlineNs < 0) {
            if (m.await(200)) {
                m.poll(seen);
            }
        }
        assertTrue(done.getAsBoolean(), "event not seen within 10 s");
    }

    @Test
    void linkWatchPrintsTheEventAndStopsAtTheCount() throws Exception {
        Netns.assumeRoot();
        final ExecutorService exec = Executors.newSingleThreadExecutor();
        try (Netns n = new Netns("lwat")) {
            final String ns = n.namespace("a");
            n.veth(ns, "e0", ns, "e1");
            final ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
            final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
            final PrintStream out = new PrintStream(outBytes, true, StandardCharsets.UTF_8);
            final PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);
            final Future<Integer> rc = exec.submit(() -> NetNamespace.call(ns, () ->
                new LinkCommand(out, err).run(new String[] {"watch", "--interface", "e0", "--count", "1",
                    "--timeout", "20000"})));
            final long deadlineNs = System.nanoTime() + WAIT_NS;
            while (!errBytes.toString(StandardCharsets.UTF_8).contains("watching") && !rc.isDone()
                && System.nanoTime() - deadlineNs < 0) {
                Thread.sleep(10);
            }
            assertTrue(errBytes.toString(StandardCharsets.UTF_8).contains("watching link and address events of e0"),
                errBytes.toString(StandardCharsets.UTF_8));
            Netns.run("ip", "-n", ns, "link", "set", "e0", "down");
            assertEquals(Exit.OK, rc.get(20, TimeUnit.SECONDS));
            final String line = outBytes.toString(StandardCharsets.UTF_8);
            assertTrue(line.matches("(?s)\\d{4}-\\d\\d-\\d\\dT[0-9:.]+Z link e0 \\(index \\d+\\) down: admin down.*"),
                line);
        } finally {
            exec.shutdownNow();
        }
    }

    @Test
    void linkWatchTimesOutWithExitOneWhenTheCountIsNotReached() throws Exception {
        Netns.assumeRoot();
        try (Netns n = new Netns("lwto")) {
            final String ns = n.namespace("a");
            n.veth(ns, "e0", ns, "e1");
            final Netns.Result r = armd.it.Cli.armd(ns, "link", "watch", "--interface", "e1", "--count", "5",
                "--timeout", "300");
            assertEquals(Exit.FAULT, r.exitCode(), r.stderr());
            assertTrue(r.stderr().contains("events within 300 ms on e1"), r.stderr());
        }
    }
}
