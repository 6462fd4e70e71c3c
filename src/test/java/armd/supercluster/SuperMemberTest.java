package armd.supercluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import armd.base.AgentLog;
import armd.base.OperatorException;
import armd.config.ClusterKey;
import armd.config.ConfigParser;
import armd.config.Problem;
import armd.config.SuperConfig;
import armd.config.SuperConfigParser;
import armd.wire.SuperFrame;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import java.util.function.UnaryOperator;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A starting server's fetch against a master server played by the test on loopback (127.0.0.2; the server is
 * 127.0.0.1): a forged answer (another key), a configuration cut short and one older than the local copy are each
 * refused and nothing is stored; an authentic newer one is verified and stored.
 */
class SuperMemberTest {
    private static final String WEST = "[cluster]\nname = west\nkey-file = west.key\n[server w1]\naddress = "
        + "192.0.2.21\n[group A]\npolicy = w1\nstart = start.sh\nstop = stop.sh\n";

    @TempDir
    Path dir;
    private SuperConfig config;
    private byte[] key;
    private DatagramSocket master;
    private Thread answering;
    private final ByteArrayOutputStream logged = new ByteArrayOutputStream();

    @BeforeEach
    void setUp() throws Exception {
        master = new DatagramSocket(new InetSocketAddress(InetAddress.getByName("127.0.0.2"), 0));
        for (final String k : new String[] {"super.key", "other.key"}) {
            Files.writeString(dir.resolve(k), ClusterKey.format(ClusterKey.generate()), StandardCharsets.US_ASCII);
            Files.setPosixFilePermissions(dir.resolve(k), PosixFilePermissions.fromString("rw-------"));
        }
        Files.writeString(dir.resolve("super.conf"), "[super]\nname = site\nkey-file = super.key\nmaster = east\n"
            + "port = " + master.getLocalPort() + "\nstate-dir = state\ntimeout = 1s\nfetch-timeout = 0s\n"
            + "[cluster east]\nservers = e1 127.0.0.2\n[cluster west]\nservers = w1 127.0.0.1\n");
        config = new SuperConfigParser(false).parse(dir.resolve("super.conf")).config();
        key = ClusterKey.load(config.keyFile());
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        master.close();
        if (answering != null) {
            answering.join(5_000);
        }
    }

    /** The test's master server answers every FETCH with what {@code answer} makes of the request's frame. */
    private void masterAnswers(final Function<SuperFrame.Frame, byte[]> answer) {
        final SuperFrame codec = SuperFrame.of(key, config.frameIdentity());
        answering = Thread.ofPlatform().daemon().start(() -> {
            final byte[] buf = new byte[65_536];
            for (int i = 0; i < 100 && !master.isClosed(); i++) {
                final DatagramPacket in = new DatagramPacket(buf, buf.length);
                try {
                    master.receive(in);
                    final SuperFrame.Decoded d = codec.decode(buf, 0, in.getLength());
                    if (d.ok()) {
                        final byte[] out = answer.apply(d.frame());
                        master.send(new DatagramPacket(out, out.length, in.getSocketAddress()));
                    }
                } catch (java.io.IOException e) {
                    return;
                }
            }
        });
    }

    private static byte[] config(final SuperFrame codec, final SuperFrame.Frame asked, final long version,
                                 final byte[] bytes) {
        return codec.encode(new SuperFrame.Frame("e1", asked.nonce(), new SuperFrame.Config("west", version,
            SuperFrame.sha256(bytes), bytes)));
    }

    private ConfigStore.Copy fetch(final ConfigStore store) throws Exception {
        final Function<byte[], List<String>> check = b -> new ConfigParser(false).parse(b, store.file("west"), dir,
            false).problems().stream().map(Problem::toString).toList();
        try (SuperMember m = new SuperMember(config, key, "w1", store, null, new AgentLog("w1",
            new PrintStream(logged, true, StandardCharsets.UTF_8)))) {
            return m.fetchAtStart(check);
        }
    }

    @Test
    void forgedCutAndStaleConfigurationsAreRefusedAndANewerOneIsStored() throws Exception {
        final ConfigStore store = ConfigStore.open(ConfigStore.directory(config.stateDir(), "w1"), key);
        store.store("west", 5, WEST.getBytes(StandardCharsets.UTF_8));
        final byte[] newer = (WEST + "[group B]\npolicy = w1\nstart = start.sh\nstop = stop.sh\n")
            .getBytes(StandardCharsets.UTF_8);
        final SuperFrame good = SuperFrame.of(key, config.frameIdentity());
        final SuperFrame forger = SuperFrame.of(ClusterKey.load(dir.resolve("other.key")), config.frameIdentity());
        final UnaryOperator<byte[]> cut = b -> Arrays.copyOf(b, b.length - 40);

        masterAnswers(f -> config(forger, f, 6, newer));
        OperatorException e = assertThrows(OperatorException.class, () -> fetch(store));
        assertTrue(e.getMessage().contains("no management server answers"), e.getMessage());
        master.close();
        answering.join(5_000);

        setUpMasterAgain();
        masterAnswers(f -> cut.apply(config(good, f, 6, newer)));
        e = assertThrows(OperatorException.class, () -> fetch(store));
        assertTrue(e.getMessage().contains("no management server answers"), e.getMessage());
        master.close();
        answering.join(5_000);

        setUpMasterAgain();
        masterAnswers(f -> config(good, f, 4, newer));
        e = assertThrows(OperatorException.class, () -> fetch(store));
        assertTrue(e.getMessage().contains("sent version 4 of cluster west, not newer than the copy held (5): "
            + "refused as stale"), e.getMessage());
        assertEquals(5, store.version("west"));
        assertTrue(Arrays.equals(WEST.getBytes(StandardCharsets.UTF_8), store.copy("west").orElseThrow().bytes()));
        master.close();
        answering.join(5_000);

        setUpMasterAgain();
        masterAnswers(f -> config(good, f, 6, newer));
        final ConfigStore.Copy got = fetch(store);
        assertEquals(6, got.version());
        assertEquals(6, ConfigStore.open(store.directory(), key).version("west"), "stored on disk");
    }

    /** A new socket for the test's master server on the same port (the previous one closed). */
    private void setUpMasterAgain() throws Exception {
        master = new DatagramSocket(null);
        master.setReuseAddress(true);
        master.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.2"), config.port()));
    }
}
