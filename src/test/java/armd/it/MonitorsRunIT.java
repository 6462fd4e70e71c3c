package armd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/**
 * Monitors on real agents: a public-LAN ping monitor whose gateway stops answering one server fails the group
 * over with the script runs of a failover, the failover counter ends the ping-pong when the gateway answers
 * no server, and the standalone armrsp asks the agent for the failover.
 */
class MonitorsRunIT {
    private static final int T = 90;
    private static final String GATEWAY = "192.0.2.1";
    private static final Path BIN = Path.of("target/bin").toAbsolutePath();

    /** The gateway (in the hub) stops answering pings from server {@code i}. */
    private static void gatewayIgnores(final AgentCluster c, final int i) throws Exception {
        final String hub = c.hub();
        c.net().exec(hub, "sh", "-c", "nft list table inet armd_it >/dev/null 2>&1 || { nft add table inet armd_it; "
            + "nft add chain inet armd_it in '{ type filter hook input priority 0 ; policy accept ; }'; }");
        c.net().exec(hub, "nft", "add", "rule", "inet", "armd_it", "in", "ip", "saddr", AgentCluster.address(i),
            "icmp", "type", "echo-request", "drop");
    }

    private static AgentCluster cluster(final String tag, final String extra) throws Exception {
        final AgentCluster c = new AgentCluster(tag, 2, false);
        try {
            c.net().address(c.hub(), "br0", GATEWAY + "/24");
            c.extraConfig(extra);
            return c;
        } catch (Exception e) {
            c.close();
            throw e;
        }
    }

    private static final String PING_A = "[monitor A-lan]\ngroup = A\ntype = ping\ntarget = " + GATEWAY
        + "\ninterval = 200ms\ntimeout = 200ms\nfailures = 2\n";

    @Test
    void aPublicLanFailureFailsTheGroupOver() throws Exception {
        Netns.assumeRoot();
        try (AgentCluster c = cluster("ma", PING_A)) {
            c.startAll();
            c.await(() -> c.onlineOn(1, "A").equals("server1") && c.onlineOn(0, "B").equals("server2"), T,
                "A on server1, B on server2");
            c.awaitSettled(T);
            final int before = c.records().size();
            gatewayIgnores(c, 0);
            final List<String> runs = c.awaitRecords(before + 3, T).subList(before, before + 3);
            assertEquals(List.of("1 stop A START HOME 1 GROUPFAILOVER SUCCESS", "1 start A RECOVER HOME 1 - SUCCESS",
                "2 start A FAILOVER OTHER 2 - SUCCESS"), runs, c.diagnostics());
            c.await(() -> c.onlineOn(0, "A").equals("server2"), T, "A online on server2");
            final String status = c.status(0);
            assertTrue(status.contains("monitor failovers from server1: A 1/8"), status);
        }
    }

    @Test
    void theFailoverCounterEndsPingPong() throws Exception {
        Netns.assumeRoot();
        try (AgentCluster c = cluster("mc", PING_A)) {
            // one monitor failover per group and server
            final String conf = Files.readString(c.config()).replace("[cluster]\n", "[cluster]\nmax-failovers = 1\n");
            Files.writeString(c.config(), conf);
            c.startAll();
            c.await(() -> c.onlineOn(1, "A").equals("server1"), T, "A on server1");
            c.awaitSettled(T);
            gatewayIgnores(c, 0);
            gatewayIgnores(c, 1);
            // server1 -> server2 (server1's one failover), server2 -> server1 (server2's), then server1 must keep it
            c.await(() -> c.logHas(0, "until the counter is reset"), T, "server1 refusing a second failover");
            assertEquals("server1", c.onlineOn(1, "A"));
        }
    }

    @Test
    void armrspAsksTheAgentForTheFailover() throws Exception {
        Netns.assumeRoot();
        try (AgentCluster c = cluster("mr", "")) {
            c.startAll();
            c.await(() -> c.onlineOn(0, "B").equals("server2"), T, "B on server2");
            c.awaitSettled(T);
            final ProcessBuilder pb = new ProcessBuilder("ip", "netns", "exec", c.namespace(1),
                BIN.resolve("armrsp").toString(), "--group", "B", "--ping", GATEWAY, "--interval", "200ms",
                "--timeout", "200ms", "--failures", "2", "--socket", c.socket(1).toString())
                .redirectErrorStream(true).redirectOutput(c.dir().resolve("armrsp.out").toFile());
            final Process rsp = pb.start();
            try {
                gatewayIgnores(c, 1);
                assertEquals(true, rsp.waitFor(T, TimeUnit.SECONDS), "armrsp acting within " + T + " s");
                assertEquals(1, rsp.exitValue(), Files.readString(c.dir().resolve("armrsp.out")));
                c.await(() -> c.onlineOn(1, "B").equals("server1"), T, "B failed over to server1");
            } finally {
                rsp.destroyForcibly();
                rsp.waitFor();
            }
        }
    }
}
