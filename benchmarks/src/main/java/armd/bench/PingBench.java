package armd.bench;

import armd.it.Netns;
import armd.probe.IcmpProbe;
import armd.probe.ProbeOutcome;
import armd.sys.NetNamespace;
import armd.sys.icmp.IcmpSocket;

import java.net.InetAddress;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * One ICMP echo over veth to a neighbour namespace, through {@link IcmpProbe} as the monitors use it: the
 * time of {@code probe()} (send, poll, receive, match) with a raw and with a ping socket. "Good": tens of
 * microseconds, and 0 B/op under {@code -prof gc} (the probe allocates nothing in steady state).
 *
 * <p>Root only (it makes namespaces). Run from the test classpath:
 * {@code java -cp target/test-classes:target/classes:$(cat target/test-classpath.txt) org.openjdk.jmh.Main
 * PingBench -f 1 -wi 2 -i 3 -w 1s -r 1s -prof gc}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class PingBench {
    @Param({"RAW", "DATAGRAM"})
    public String kind;

    private Netns net;
    private IcmpProbe probe;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        net = new Netns("bping");
        final String a = net.namespace("a");
        final String b = net.namespace("b");
        net.veth(a, "eth0", b, "eth0");
        net.address(a, "eth0", "192.0.2.1/24");
        net.address(b, "eth0", "192.0.2.2/24");
        net.exec(a, "sysctl", "-q", "-w", "net.ipv4.ping_group_range=0 2147483647");
        probe = NetNamespace.call(a, () -> IcmpProbe.open(InetAddress.ofLiteral("192.0.2.2"), "eth0",
            IcmpSocket.Kind.valueOf(kind)));
        // the first probe waits for ARP resolution: keep it out of the measurement
        if (probe.probe(5000).outcome() != ProbeOutcome.HEALTHY) {
            throw new IllegalStateException("no reply from the neighbour namespace");
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (probe != null) {
            probe.close();
        }
        if (net != null) {
            net.close();
        }
    }

    @Benchmark
    public long ping() {
        final IcmpProbe.Result r = probe.probe(1000);
        if (r.outcome() != ProbeOutcome.HEALTHY) {
            throw new IllegalStateException(r.reason());
        }
        return r.rttNs();
    }
}
