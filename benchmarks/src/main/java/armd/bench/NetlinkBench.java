package armd.bench;

import armd.probe.LinkMonitor;
import armd.sys.NetNamespace;
import armd.sys.netlink.AddressResult;
import armd.sys.netlink.Rtnetlink;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * rtnetlink round trips in a private network namespace (made in setup, removed in teardown; needs root):
 * add + remove of 192.0.2.77/24 on a veth end, each acknowledged by the kernel, and a LinkMonitor poll
 * with nothing waiting (what the agent pays per duty cycle). Good: tens of microseconds for add + remove,
 * 0 B/op for both.
 *
 * <pre>
 * java -cp target/test-classes:target/classes:$(cat target/test-classpath.txt) org.openjdk.jmh.Main NetlinkBench \
 *     -prof gc -f 1 -wi 2 -i 3 -w 1s -r 1s
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class NetlinkBench {
    private static final byte[] ADDRESS = {(byte) 192, 0, 2, 77};

    private String ns;
    private Rtnetlink rt;
    private LinkMonitor monitor;
    private int ifIndex;
    private final LinkMonitor.Handler ignore = (type, link) -> { };

    @Setup
    public void setUp() throws Exception {
        ns = "armdbench" + ProcessHandle.current().pid();
        run("ip", "netns", "add", ns);
        run("ip", "-n", ns, "link", "add", "b0", "type", "veth", "peer", "name", "b1");
        run("ip", "-n", ns, "link", "set", "b0", "up");
        run("ip", "-n", ns, "link", "set", "b1", "up");
        rt = NetNamespace.call(ns, Rtnetlink::open);
        monitor = NetNamespace.call(ns, () -> LinkMonitor.open(true));
        ifIndex = NetNamespace.call(ns, () -> Rtnetlink.ifIndex("b0"));
        if (ifIndex <= 0 || rt.addAddress(ifIndex, ADDRESS, 24) != AddressResult.DONE
            || rt.deleteAddress(ifIndex, ADDRESS, 24) != AddressResult.DONE) {
            throw new IllegalStateException("setup failed in " + ns);
        }
        monitor.poll(ignore);
    }

    @TearDown
    public void tearDown() throws IOException, InterruptedException {
        rt.close();
        monitor.close();
        run("ip", "netns", "del", ns);
    }

    /** RTM_NEWADDR + ack, RTM_DELADDR + ack. */
    @Benchmark
    public int addRemove() {
        final AddressResult a = rt.addAddress(ifIndex, ADDRESS, 24);
        final AddressResult d = rt.deleteAddress(ifIndex, ADDRESS, 24);
        return a.ordinal() + d.ordinal();
    }

    /** A poll with nothing waiting (JMH runs each benchmark in its own fork, so addRemove's events are not here). */
    @Benchmark
    public int pollIdle() {
        return monitor.poll(ignore);
    }

    private static void run(final String... cmd) throws IOException, InterruptedException {
        final Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", cmd) + " failed: "
                + new String(p.getInputStream().readAllBytes()));
        }
    }
}
