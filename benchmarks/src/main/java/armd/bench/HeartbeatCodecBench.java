package armd.bench;

import armd.wire.HeartbeatFrame;

import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Heartbeat envelope cost: encode with HMAC-SHA256, and decode with MAC verification, for a small and a
 * maximal payload. Good: a few hundred nanoseconds to a few microseconds, and 0 B/op with {@code -prof gc}
 * (the heartbeat path allocates nothing).
 *
 * <p>Run: {@code java -cp target/test-classes:target/classes:$(cat target/test-classpath.txt)
 * org.openjdk.jmh.Main HeartbeatCodecBench -prof gc}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class HeartbeatCodecBench {
    @Param({"64", "1200"})
    public int payloadLength;

    private HeartbeatFrame encoder;
    private HeartbeatFrame decoder;
    private final byte[] payload = new byte[HeartbeatFrame.MAX_PAYLOAD_LENGTH];
    private final byte[] out = new byte[HeartbeatFrame.MAX_FRAME_LENGTH];
    private final byte[] in = new byte[HeartbeatFrame.MAX_FRAME_LENGTH];
    private int inLength;
    private long sequence;
    private javax.crypto.Mac jdkMac;

    @Setup
    public void setup() {
        final byte[] key = new byte[32];
        for (int i = 0; i < key.length; i++) {
            key[i] = (byte) (i * 7);
        }
        final int cluster = HeartbeatFrame.clusterId("bench");
        encoder = new HeartbeatFrame(key, cluster);
        decoder = new HeartbeatFrame(key, cluster);
        inLength = encoder.encode(in, 0, 1, 0, 1, 42, 1, payload, 0, payloadLength);
        try {
            jdkMac = javax.crypto.Mac.getInstance("HmacSHA256");
            jdkMac.init(new javax.crypto.spec.SecretKeySpec(key, "HmacSHA256"));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Baseline: the same MAC through javax.crypto.Mac, which allocates its result on every doFinal. */
    @Benchmark
    public byte[] jdkMacBaseline() {
        jdkMac.update(in, 0, inLength - HeartbeatFrame.MAC_LENGTH);
        return jdkMac.doFinal();
    }

    @Benchmark
    public int encodeAndMac() {
        return encoder.encode(out, 0, 1, 0, 1, 42, ++sequence, payload, 0, payloadLength);
    }

    @Benchmark
    public HeartbeatFrame.Result decodeAndVerify() {
        return decoder.decode(in, 0, inLength, 0xffff);
    }
}
