package armd.agent;

import armd.base.AgentLog;

import armd.config.ClusterConfig;
import armd.heartbeat.HeartbeatHandler;
import armd.heartbeat.HeartbeatInbox;
import armd.heartbeat.HeartbeatSender;
import armd.heartbeat.HeartbeatStats;
import armd.heartbeat.UdpHeartbeatTransport;
import armd.wire.HeartbeatFrame;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The agent's heartbeats over UDP: one path per heartbeat network of the configuration, IPv4 or IPv6 by the
 * server's address on it (multicast to the group of that family, or unicast to every peer's address on that
 * network), authenticated with the cluster key; a real-time sender thread and a real-time reception thread
 * ({@link HeartbeatInbox}: it drains the sockets and disposes of garbage at once, whatever the agent thread is
 * doing); the kernel filters out what is not a frame of this cluster from a peer's address; the authentic payloads
 * are taken on the agent thread. A link-local IPv6 network is this server's interface of it (the zone of its own
 * address): the peers' link-local addresses are reached through it, whatever interface names they wrote for
 * themselves.
 */
public final class UdpHeartbeatLink implements HeartbeatLink, HeartbeatHandler {
    /** Frame type of a cluster-state heartbeat. */
    static final int TYPE_STATE = 1;
    /**
     * Frame type of a guardian's "gone": the agent of this incarnation died and what it held is released. Signed
     * by the agent in advance (the guardian holds no key), with the incarnation's last sequence number.
     */
    static final int TYPE_GONE = 2;
    /** SCHED_FIFO priority of the sender thread (when permitted). */
    static final int SENDER_PRIORITY = 50;
    /** SCHED_FIFO priority of the reception thread: below the sender, above every normal task. */
    static final int RECEIVER_PRIORITY = 45;

    private final UdpHeartbeatTransport transport;
    private final HeartbeatSender sender;
    private final HeartbeatInbox inbox;
    private final List<Datagram> goneDestinations = new ArrayList<>();
    private final byte[] out = new byte[HeartbeatFrame.MAX_PAYLOAD_LENGTH];
    private byte[] wrapped;
    private ByteBuffer view;
    private PayloadSink sink;
    private volatile Runnable incarnationListener;
    private final PathStats pathStats;

    /** Opens the sockets (in the calling thread's network namespace) and starts the sender thread. */
    public UdpHeartbeatLink(final ClusterConfig config, final int self, final byte[] key, final long incarnation,
                            final AgentLog log) {
        final ClusterConfig.Heartbeat hb = config.heartbeat();
        final ClusterConfig.Server me = config.servers().get(self);
        final List<UdpHeartbeatTransport.Path> paths = new ArrayList<>();
        for (int p = 0; p < me.addresses().size(); p++) {
            final InetAddress local = me.addresses().get(p);
            // the interface of a link-local path: this server's own (peers' zones name their interfaces)
            final String ifName = me.zone(p);
            final List<UdpHeartbeatTransport.Peer> peers = new ArrayList<>();
            for (final ClusterConfig.Server s : config.servers()) {
                if (s.id() != self && p < s.addresses().size()) {
                    final InetAddress a = s.addresses().get(p);
                    peers.add(new UdpHeartbeatTransport.Peer(s.id(), a));
                    goneDestinations.add(new Datagram(new InetSocketAddress(a, hb.port()), ifName, null));
                }
            }
            final InetAddress group = hb.groupFor(local);
            if (group != null) {
                // with crash probes to every peer: a dead agent on a live host is found without the full timeout
                paths.add(UdpHeartbeatTransport.Path.multicast(ifName, local, group, hb.port(), peers));
            } else {
                paths.add(UdpHeartbeatTransport.Path.unicast(ifName, local, hb.port(), peers));
            }
        }
        this.pathStats = new PathStats(config.servers().size(), paths.size(), hb.intervalMs());
        final int clusterId = HeartbeatFrame.clusterId(config.name());
        this.transport = UdpHeartbeatTransport.open(paths,
            UdpHeartbeatTransport.Options.DEFAULT.withKernelFilter(clusterId));
        this.inbox = new HeartbeatInbox(transport, key, clusterId, self, config.servers().size(),
            RECEIVER_PRIORITY);
        this.sender = new HeartbeatSender(transport, key, clusterId, self, incarnation,
            hb.intervalMs() * 1_000_000L, SENDER_PRIORITY);
        inbox.start();
        sender.start();
    }

    @Override
    public void publish(final ByteBuffer payload) {
        final int len = payload.remaining();
        payload.get(out, 0, len);
        sender.publish(TYPE_STATE, 0, out, 0, len);
    }

    @Override
    public void incarnation(final long incarnation) {
        sender.incarnation(incarnation);
        final Runnable r = incarnationListener;
        if (r != null) {
            r.run();
        }
    }

    /** {@code listener} runs after every change of incarnation (the "gone" frames are then signed anew). */
    public void onIncarnation(final Runnable listener) {
        this.incarnationListener = listener;
    }

    /**
     * The datagrams the guardian sends when this agent dies: the pre-signed "gone" frame of the current
     * incarnation to every peer's address on every heartbeat network (unicast: a multicast path receives it on
     * its crash-probe socket). Call again after {@link #incarnation(long)}.
     */
    public List<Datagram> lastWords() {
        final byte[] frame = sender.lastWords(TYPE_GONE);
        return goneDestinations.stream().map(d -> new Datagram(d.destination(), d.interfaceName(), frame)).toList();
    }

    /**
     * A datagram to send: where, and the bytes.
     *
     * @param destination   address and port
     * @param interfaceName the interface a link-local IPv6 destination is reached through, else null
     * @param payload       the bytes
     */
    public record Datagram(InetSocketAddress destination, String interfaceName, byte[] payload) {
    }

    @Override
    public int drain(final PayloadSink s) {
        sink = s;
        try {
            return inbox.drain(this);
        } finally {
            sink = null;
        }
    }

    @Override
    public void onHeartbeat(final int pathIndex, final HeartbeatFrame frame, final boolean fresh, final long rxNs) {
        if (frame.type() == TYPE_GONE) {
            sink.onGone(frame.senderId(), frame.incarnation(), rxNs);
            return;
        }
        if (frame.type() != TYPE_STATE) {
            return;
        }
        final byte[] buf = frame.buffer();
        if (buf != wrapped) {
            wrapped = buf;
            view = ByteBuffer.wrap(buf);
        }
        view.limit(frame.payloadOffset() + frame.payloadLength()).position(frame.payloadOffset());
        pathStats.record(frame.senderId(), pathIndex, frame.incarnation(), frame.sequence(), rxNs);
        sink.onPayload(frame.senderId(), frame.incarnation(), pathIndex, view, rxNs);
    }

    @Override
    public void onPeerRefused(final int pathIndex, final int peerId, final long nowNs) {
        sink.onRefused(peerId, nowNs);
    }

    @Override
    public long drainedThroughNs() {
        return inbox.drainedThroughNs();
    }

    @Override
    public int[] fds() {
        return new int[] {inbox.fd()};
    }

    @Override
    public HeartbeatStats stats() {
        return transport.stats();
    }

    /** Heartbeats received per peer and path (agent thread only). */
    public PathStats pathStats() {
        return pathStats;
    }

    /**
     * The sender's and reception thread's scheduler result: 0 when both run at real-time priority, else the
     * first -errno ({@link HeartbeatSender#NOT_STARTED} while either has not started).
     */
    public int schedulerResult() {
        final int s = sender.schedulerResult();
        final int r = inbox.schedulerResult();
        return s == HeartbeatSender.NOT_STARTED || r == HeartbeatSender.NOT_STARTED ? HeartbeatSender.NOT_STARTED
            : s != 0 ? s : r;
    }

    /** Authentic frames dropped because the agent thread left the reception queue full. */
    public long inboxOverflows() {
        return inbox.overflows();
    }

    @Override
    public void close() {
        sender.close();
        inbox.close();
        transport.close();
    }
}
