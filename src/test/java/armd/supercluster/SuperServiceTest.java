package armd.supercluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import armd.base.AgentLog;
import armd.config.ClusterKey;
import armd.config.SuperConfig;
import armd.config.SuperConfigParser;
import armd.wire.SuperFrame;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The management service of a one-server master cluster on loopback, asked with real datagrams: a push and a
 * fetch; a push datagram captured and sent again after a newer push is refused as stale and changes nothing; a
 * datagram with another key, or cut short, is dropped unanswered; the same version with other bytes is replaced by
 * the management server's copy.
 */
class SuperServiceTest {
    private static final String WEST = "[cluster]\nname = west\nkey-file = west.key\n[server w1]\naddress = "
        + "192.0.2.21\n[group A]\npolicy = w1\nstart = start.sh\nstop = stop.sh\n";

    @TempDir
    Path dir;
    private SuperConfig config;
    private byte[] key;
    private SuperService service;
    private final ByteArrayOutputStream logged = new ByteArrayOutputStream();

    @BeforeEach
    void setUp() throws Exception {
        start("127.0.0.1");
    }

    /** The service of master server e1 at {@code address} (a loopback address) on a free port. */
    private void start(final String address) throws Exception {
        if (service != null) {
            service.close();
        }
        final int port;
        try (DatagramSocket probe = new DatagramSocket(0, InetAddress.ofLiteral(address))) {
            port = probe.getLocalPort();
        }
        for (final String k : new String[] {"super.key", "other.key"}) {
            Files.writeString(dir.resolve(k), ClusterKey.format(ClusterKey.generate()), StandardCharsets.US_ASCII);
            Files.setPosixFilePermissions(dir.resolve(k), PosixFilePermissions.fromString("rw-------"));
        }
        Files.writeString(dir.resolve("super.conf"), "[super]\nname = site\nkey-file = super.key\nmaster = east\n"
            + "port = " + port + "\nstate-dir = state\ntimeout = 1s\n[cluster east]\nservers = e1 " + address + "\n"
            + "[cluster west]\nservers = w1 192.0.2.21\n");
        config = new SuperConfigParser(false).parse(dir.resolve("super.conf")).config();
        key = ClusterKey.load(config.keyFile());
        final ConfigStore store = ConfigStore.open(ConfigStore.directory(config.stateDir(), "e1"), key);
        service = SuperService.start(config, key, "e1", store, new AgentLog("e1", new PrintStream(logged, true,
            StandardCharsets.UTF_8)));
    }

    @AfterEach
    void tearDown() {
        service.close();
    }

    private void awaitAccepting() throws Exception {
        // a master cluster of one accepts as soon as its first HELLO round granted its own vote
        final long deadline = System.nanoTime() + 20_000_000_000L;
        while (!service.view().accepting()) {
            assertTrue(System.nanoTime() < deadline, "the service accepts within 20 s: " + logged);
            Thread.sleep(20);
        }
    }

    @Test
    void aReplayedPushIsStaleAndForgedOrCutDatagramsAreDropped() throws Exception {
        final SuperFrame codec = SuperFrame.of(key, config.frameIdentity());
        try (SuperClient client = new SuperClient(config, key, "ops", 3_000);
             DatagramSocket raw = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            awaitAccepting();
            raw.setSoTimeout(5_000);
            final InetSocketAddress to = new InetSocketAddress(InetAddress.getLoopbackAddress(), config.port());
            final byte[] first = WEST.getBytes(StandardCharsets.UTF_8);
            // the first push, as a datagram kept for later
            final byte[] captured = codec.encode(new SuperFrame.Frame("ops", 42, new SuperFrame.Push("west", 0,
                first)));
            final SuperFrame.PushResult r1 = (SuperFrame.PushResult) exchange(raw, to, captured, codec);
            assertEquals(SuperFrame.Outcome.ACCEPTED, r1.outcome(), r1.reason());
            assertEquals(1, r1.version());
            // a change, pushed the way armd config push does (against the current version)
            final byte[] second = (WEST + "[group B]\npolicy = w1\nstart = start.sh\nstop = stop.sh\n")
                .getBytes(StandardCharsets.UTF_8);
            final SuperClient.Reply r2 = client.push("west", second, -1);
            assertEquals(SuperFrame.Outcome.ACCEPTED, ((SuperFrame.PushResult) r2.body()).outcome());
            assertEquals(2, ((SuperFrame.PushResult) r2.body()).version());
            // the captured first push again: refused, version 2 stays
            final SuperFrame.PushResult replay = (SuperFrame.PushResult) exchange(raw, to, captured, codec);
            assertEquals(SuperFrame.Outcome.STALE_BASE, replay.outcome(), replay.reason());
            final SuperFrame.Body now = client.askManagement(new SuperFrame.Fetch("west", 0)).body();
            assertTrue(now instanceof SuperFrame.Config c && c.version() == 2 && Arrays.equals(c.bytes(), second),
                String.valueOf(now));

            // another key: no answer, logged as a bad MAC; a datagram cut short: no answer either
            final SuperFrame forger = SuperFrame.of(ClusterKey.load(dir.resolve("other.key")), config.frameIdentity());
            assertNull(exchange(raw, to, forger.encode(new SuperFrame.Frame("ops", 7,
                new SuperFrame.Push("west", 2, first))), codec, 1_000));
            assertNull(exchange(raw, to, Arrays.copyOf(captured, captured.length - 1), codec, 1_000));
            final long deadline = System.nanoTime() + 10_000_000_000L;
            while (!logged.toString(StandardCharsets.UTF_8).contains("bad_mac")) {
                assertTrue(System.nanoTime() < deadline, "the forged datagram is logged: " + logged);
                Thread.sleep(20);
            }
            assertEquals(2, service.store().version("west"));

            // a client holding version 2 with other bytes (a push that was not confirmed) gets the server's copy
            final SuperFrame.Body same = client.askManagement(new SuperFrame.Fetch("west", 2,
                SuperFrame.sha256(first))).body();
            assertTrue(same instanceof SuperFrame.Config c && Arrays.equals(c.bytes(), second), String.valueOf(same));
            final SuperFrame.Body current = client.askManagement(new SuperFrame.Fetch("west", 2,
                SuperFrame.sha256(second))).body();
            assertTrue(current instanceof SuperFrame.Current c && c.version() == 2, String.valueOf(current));
        }
    }

    /** The super cluster's frames over IPv6 (the master server at ::1): a push and a fetch. */
    @Test
    void aMasterServerAnswersOverIpv6() throws Exception {
        start("::1");
        try (SuperClient client = new SuperClient(config, key, "ops", 3_000)) {
            awaitAccepting();
            final SuperClient.Reply r = client.push("west", WEST.getBytes(StandardCharsets.UTF_8), -1);
            assertEquals(SuperFrame.Outcome.ACCEPTED, ((SuperFrame.PushResult) r.body()).outcome(), r.toString());
            final SuperFrame.Body got = client.askManagement(new SuperFrame.Fetch("west", 0)).body();
            assertTrue(got instanceof SuperFrame.Config c && c.version() == 1, String.valueOf(got));
        }
    }

    @Test
    void anInvalidConfigurationIsRefusedWithItsProblems() throws Exception {
        try (SuperClient client = new SuperClient(config, key, "ops", 3_000)) {
            awaitAccepting();
            final SuperClient.Reply r = client.push("west", WEST.replace("policy = w1", "policy = w9")
                .getBytes(StandardCharsets.UTF_8), -1);
            final PushAnswer a = PushAnswer.of("west", r);
            assertEquals(2, a.exit(), a.text());
            assertTrue(a.text().contains("west.conf (pushed):7: "), a.text());
            assertEquals(0, service.store().version("west"));
        }
    }

    /** Sends {@code datagram}, returns the answer's body (null when none within 3 s). */
    private static SuperFrame.Body exchange(final DatagramSocket raw, final InetSocketAddress to, final byte[] datagram,
                                            final SuperFrame codec) throws Exception {
        return exchange(raw, to, datagram, codec, 3_000);
    }

    /** Sends {@code datagram}, returns the answer's body (null when none within {@code waitMs}: on loopback an
     * answer comes in milliseconds, so a second without one means none comes). */
    private static SuperFrame.Body exchange(final DatagramSocket raw, final InetSocketAddress to, final byte[] datagram,
                                            final SuperFrame codec, final int waitMs) throws Exception {
        raw.send(new DatagramPacket(datagram, datagram.length, to));
        final byte[] buf = new byte[65_536];
        final DatagramPacket in = new DatagramPacket(buf, buf.length);
        try {
            raw.setSoTimeout(waitMs);
            raw.receive(in);
        } catch (SocketTimeoutException e) {
            return null;
        }
        final SuperFrame.Decoded d = codec.decode(buf, 0, in.getLength());
        return d.ok() ? d.frame().body() : null;
    }
}
