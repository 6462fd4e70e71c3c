package armd.bench;

import armd.sys.Libc;
import armd.sys.SockAddr;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

import jnr.ffi.LibraryLoader;
import jnr.posix.POSIX;
import jnr.posix.POSIXFactory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.channels.DatagramChannel;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The cost of one downcall through armd's FFM layer ({@code armd.sys.Libc}) against JNA and jnr for the same
 * call: getpid(2) (the bare transition) and sendto(2) of 64 bytes on a UDP socket to 127.0.0.1 (a real system
 * call with pointers and errno capture). JNA in both of its styles: direct mapping ({@code Native.register},
 * its fast path) and interface mapping ({@code Native.load}, the common style). jnr: jnr-posix's native POSIX
 * for getpid; jnr-posix has no sendto, so sendto goes through jnr-ffi (the layer jnr-posix is built on) with an
 * interface mapped the same way, errno saved per call (jnr-ffi's default). "Good": FFM at least as fast as the
 * others, and 0 B/op under {@code -prof gc}.
 *
 * <p>Unlike armd's main code, this benchmark touches {@code java.lang.foreign} itself: it measures that
 * boundary. The receiving socket is never read: once its small queue is full the kernel drops each datagram at
 * delivery, the same work for every variant. No root needed.
 * {@code java -cp target/test-classes:target/classes:$(cat target/test-classpath.txt) org.openjdk.jmh.Main
 * SysCallBench -f 1 -wi 2 -i 3 -w 1s -r 1s -prof gc}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class SysCallBench {
    private static final int AF_INET = 2;
    private static final int SOCK_DGRAM = 2;
    private static final int PAYLOAD = 64;

    /** JNA direct mapping: native methods bound to libc, errno captured through LastErrorException. */
    public static final class JnaDirect {
        static {
            Native.register("c");
        }

        private JnaDirect() {
        }

        static native int getpid();

        static native long sendto(int fd, Pointer buf, long len, int flags, Pointer addr, int addrLen)
            throws LastErrorException;
    }

    /** JNA interface mapping. */
    public interface JnaLibc extends Library {
        JnaLibc INSTANCE = Native.load("c", JnaLibc.class);

        int getpid();

        long sendto(int fd, Pointer buf, long len, int flags, Pointer addr, int addrLen) throws LastErrorException;
    }

    /** jnr-ffi interface mapping of sendto (jnr-posix does not offer it). */
    public interface JnrLibc {
        long sendto(int fd, jnr.ffi.Pointer buf, long len, int flags, jnr.ffi.Pointer addr, int addrLen);
    }

    private POSIX jnrPosix;
    private JnrLibc jnrLibc;
    private jnr.ffi.Pointer jnrPayload;
    private jnr.ffi.Pointer jnrDestination;
    private Arena arena;
    private int sender;
    private DatagramChannel receiver;
    private MemorySegment payload;
    private MemorySegment destination;
    private Memory jnaPayload;
    private Memory jnaDestination;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        arena = Arena.ofShared();
        // the receiver is a plain NIO channel: it only needs a port and a small queue, and is never read
        receiver = DatagramChannel.open(StandardProtocolFamily.INET);
        receiver.setOption(StandardSocketOptions.SO_RCVBUF, 4096);
        receiver.bind(new InetSocketAddress(InetAddress.ofLiteral("127.0.0.1"), 0));
        destination = arena.allocate(SockAddr.SOCKADDR_IN_SIZE);
        SockAddr.write(destination, InetAddress.ofLiteral("127.0.0.1"),
            ((InetSocketAddress) receiver.getLocalAddress()).getPort());
        sender = check(Libc.socket(AF_INET, SOCK_DGRAM, 0), "socket");
        payload = arena.allocate(PAYLOAD);
        jnaPayload = new Memory(PAYLOAD);
        jnaDestination = new Memory(SockAddr.SOCKADDR_IN_SIZE);
        for (int i = 0; i < SockAddr.SOCKADDR_IN_SIZE; i++) {
            jnaDestination.setByte(i, destination.get(ValueLayout.JAVA_BYTE, i));
        }
        JnaDirect.getpid();
        JnaLibc.INSTANCE.getpid();
        jnrPosix = POSIXFactory.getNativePOSIX();
        jnrLibc = LibraryLoader.create(JnrLibc.class).load("c");
        final jnr.ffi.Runtime rt = jnr.ffi.Runtime.getSystemRuntime();
        jnrPayload = jnr.ffi.Memory.allocateDirect(rt, PAYLOAD);
        jnrDestination = jnr.ffi.Memory.allocateDirect(rt, SockAddr.SOCKADDR_IN_SIZE);
        for (int i = 0; i < SockAddr.SOCKADDR_IN_SIZE; i++) {
            jnrDestination.putByte(i, destination.get(ValueLayout.JAVA_BYTE, i));
        }
        if (jnrPosix.getpid() != Libc.getpid() || !jnrPosix.isNative()) {
            throw new IllegalStateException("jnr-posix is not on its native POSIX");
        }
        if (jnrLibc.sendto(sender, jnrPayload, PAYLOAD, 0, jnrDestination, SockAddr.SOCKADDR_IN_SIZE) != PAYLOAD) {
            throw new IllegalStateException("jnr-ffi sendto failed");
        }
    }

    private static int check(final int rc, final String what) {
        if (rc < 0) {
            throw new IllegalStateException(what + ": errno " + -rc);
        }
        return rc;
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        Libc.close(sender);
        receiver.close();
        arena.close();
    }

    @Benchmark
    public int getpidFfm() {
        return Libc.getpid();
    }

    @Benchmark
    public int getpidJnaDirect() {
        return JnaDirect.getpid();
    }

    @Benchmark
    public int getpidJnaInterface() {
        return JnaLibc.INSTANCE.getpid();
    }

    @Benchmark
    public int getpidJnrPosix() {
        return jnrPosix.getpid();
    }

    @Benchmark
    public long sendtoFfm() {
        return Libc.sendto(sender, payload, PAYLOAD, 0, destination, SockAddr.SOCKADDR_IN_SIZE);
    }

    @Benchmark
    public long sendtoJnaDirect() {
        return JnaDirect.sendto(sender, jnaPayload, PAYLOAD, 0, jnaDestination, SockAddr.SOCKADDR_IN_SIZE);
    }

    @Benchmark
    public long sendtoJnaInterface() {
        return JnaLibc.INSTANCE.sendto(sender, jnaPayload, PAYLOAD, 0, jnaDestination, SockAddr.SOCKADDR_IN_SIZE);
    }

    @Benchmark
    public long sendtoJnrFfi() {
        return jnrLibc.sendto(sender, jnrPayload, PAYLOAD, 0, jnrDestination, SockAddr.SOCKADDR_IN_SIZE);
    }
}
