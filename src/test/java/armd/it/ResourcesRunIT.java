package armd.it;

import static org.junit.jupiter.api.Assertions.assertFalse;

import armd.control.ControlRequest;

import java.util.Optional;

import org.junit.jupiter.api.Test;

/**
 * Group resources on real agents: the floating IP is on the server that runs its group, moves with a group
 * move and a kill -9 failover, and is gone from a server that stopped the group.
 */
class ResourcesRunIT {
    private static final int T = 90;
    private static final String IP = "192.0.2.100";

    private static boolean has(final AgentCluster c, final int i) {
        try {
            return c.net().exec(c.namespace(i), "ip", "-4", "-o", "addr", "show", "dev", "eth0").contains(IP + "/24");
        } catch (Exception e) {
            return false;
        }
    }

    @Test
    void theFloatingIpFollowsItsGroup() throws Exception {
        Netns.assumeRoot();
        try (AgentCluster c = new AgentCluster("rr", 2, false)) {
            c.extraConfig("[resource A-ip]\ngroup = A\ntype = ip\naddress = " + IP + "/24\ninterface = eth0\n");
            c.startAll();
            c.await(() -> has(c, 0) && c.onlineOn(1, "A").equals("server1"), T, "A online on server1 with " + IP);
            assertFalse(has(c, 1));

            c.ok(0, new ControlRequest.GroupMove("A", Optional.of("server2")));
            c.await(() -> has(c, 1) && !has(c, 0) && c.onlineOn(0, "A").equals("server2"), T,
                IP + " moved to server2 with A");

            c.ok(0, new ControlRequest.GroupMove("A", Optional.of("server1")));
            c.await(() -> has(c, 0) && !has(c, 1) && c.onlineOn(1, "A").equals("server1"), T, IP + " back on server1");

            // the failover's start on server2 assumes server2 has A's record: let the cluster settle first
            c.awaitSettled(T);
            c.kill9(0);
            // a dead server holds no address; here its namespace outlives the agent, so drop it as death would
            c.net().exec(c.namespace(0), "ip", "addr", "del", IP + "/24", "dev", "eth0");
            c.await(() -> has(c, 1), T, IP + " on server2 after the failover");
        }
    }
}
