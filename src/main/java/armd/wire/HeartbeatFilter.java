package armd.wire;

import java.util.ArrayList;
import java.util.List;

/**
 * A classic BPF socket filter (SO_ATTACH_FILTER) for a heartbeat receive socket: the kernel drops, before the
 * datagram is queued or the agent wakes up, every datagram that is shorter than a frame's header and MAC, has
 * the wrong magic, version or cluster id, or (when {@code sources} are given) does not come from one of the
 * peers' addresses on that network. What passes still has its MAC checked by {@link HeartbeatFrame}: the filter
 * only makes garbage cost nothing in user space.
 *
 * <p>A UDP socket's filter sees the datagram from its UDP header: the frame starts at offset 8; the IPv4 source
 * address is read through the network-header base (SKF_NET_OFF + 12), the IPv6 one as four words from
 * SKF_NET_OFF + 8 (an IPv6 UDP socket sees the same data from its UDP header). Loads are big-endian. Instructions are
 * {@code struct sock_filter} (linux/filter.h): u16 code, u8 jt, u8 jf, u32 k.
 */
public final class HeartbeatFilter {
    // linux/bpf_common.h, linux/filter.h
    static final int LD_W_ABS = 0x20;
    static final int LD_H_ABS = 0x28;
    static final int LD_B_ABS = 0x30;
    static final int LD_W_LEN = 0x80;
    static final int JEQ_K = 0x15;
    static final int JGE_K = 0x35;
    static final int RET_K = 0x06;
    /** SKF_NET_OFF (-0x100000) as the unsigned k of an absolute load. */
    static final int SKF_NET_OFF = 0xfff00000;
    static final int UDP_HEADER = 8;
    static final int IPV4_SOURCE = 12;
    static final int IPV6_SOURCE = 8;
    /** The most IPv6 sources one program holds: its jumps are 8-bit and each source takes 8 instructions. */
    public static final int MAX_IPV6_SOURCES = 30;
    /** Keep the whole datagram. */
    static final int ACCEPT = 0xffff;

    /** One {@code struct sock_filter}. */
    public record Insn(int code, int jt, int jf, int k) {
    }

    private HeartbeatFilter() {
    }

    /**
     * The program for cluster {@code clusterId} ({@link HeartbeatFrame#clusterId(String)}); {@code sources}
     * are the accepted IPv4 source addresses (network order in an int, as {@code ld} reads them), or empty to
     * accept any source. At most 200 sources (the jumps are 8-bit).
     */
    public static List<Insn> program(final int clusterId, final int[] sources) {
        if (sources.length > 200) {
            throw new IllegalArgumentException(sources.length + " sources, at most 200");
        }
        final List<Insn> p = new ArrayList<>();
        // the drop is the last instruction, the accept the one before it: jumps count from the next instruction
        final int checks = 8 + (sources.length == 0 ? 0 : 1 + sources.length);
        final int accept = checks;
        final int drop = checks + 1;
        p.add(new Insn(LD_W_LEN, 0, 0, 0));
        p.add(new Insn(JGE_K, 0, drop - 2, UDP_HEADER + HeartbeatFrame.HEADER_LENGTH + HeartbeatFrame.MAC_LENGTH));
        p.add(new Insn(LD_H_ABS, 0, 0, UDP_HEADER + HeartbeatFrame.OFF_MAGIC));
        p.add(new Insn(JEQ_K, 0, drop - 4, HeartbeatFrame.MAGIC));
        p.add(new Insn(LD_B_ABS, 0, 0, UDP_HEADER + HeartbeatFrame.OFF_VERSION));
        p.add(new Insn(JEQ_K, 0, drop - 6, HeartbeatFrame.VERSION));
        p.add(new Insn(LD_W_ABS, 0, 0, UDP_HEADER + HeartbeatFrame.OFF_CLUSTER));
        if (sources.length == 0) {
            p.add(new Insn(JEQ_K, accept - 8, drop - 8, clusterId));
        } else {
            p.add(new Insn(JEQ_K, 0, drop - 8, clusterId));
            p.add(new Insn(LD_W_ABS, 0, 0, SKF_NET_OFF + IPV4_SOURCE));
            for (int i = 0; i < sources.length; i++) {
                final int at = 9 + i;
                final boolean last = i == sources.length - 1;
                p.add(new Insn(JEQ_K, accept - at - 1, last ? drop - at - 1 : 0, sources[i]));
            }
        }
        p.add(new Insn(RET_K, 0, 0, ACCEPT));
        p.add(new Insn(RET_K, 0, 0, 0));
        return List.copyOf(p);
    }

    /**
     * The program of {@link #program} for an IPv6 socket: the same checks of the frame, then the source address
     * (16 bytes, compared as four words) against {@code sources} (each 16 bytes), or any source when empty. At most
     * {@link #MAX_IPV6_SOURCES} sources.
     */
    public static List<Insn> programIpv6(final int clusterId, final byte[][] sources) {
        if (sources.length > MAX_IPV6_SOURCES) {
            throw new IllegalArgumentException(sources.length + " IPv6 sources, at most " + MAX_IPV6_SOURCES);
        }
        if (sources.length == 0) {
            return program(clusterId, new int[0]);
        }
        final List<Insn> p = new ArrayList<>();
        final int accept = 8 + 8 * sources.length;
        final int drop = accept + 1;
        p.add(new Insn(LD_W_LEN, 0, 0, 0));
        p.add(new Insn(JGE_K, 0, drop - 2, UDP_HEADER + HeartbeatFrame.HEADER_LENGTH + HeartbeatFrame.MAC_LENGTH));
        p.add(new Insn(LD_H_ABS, 0, 0, UDP_HEADER + HeartbeatFrame.OFF_MAGIC));
        p.add(new Insn(JEQ_K, 0, drop - 4, HeartbeatFrame.MAGIC));
        p.add(new Insn(LD_B_ABS, 0, 0, UDP_HEADER + HeartbeatFrame.OFF_VERSION));
        p.add(new Insn(JEQ_K, 0, drop - 6, HeartbeatFrame.VERSION));
        p.add(new Insn(LD_W_ABS, 0, 0, UDP_HEADER + HeartbeatFrame.OFF_CLUSTER));
        p.add(new Insn(JEQ_K, 0, drop - 8, clusterId));
        for (int i = 0; i < sources.length; i++) {
            if (sources[i].length != 16) {
                throw new IllegalArgumentException("an IPv6 source has 16 bytes, not " + sources[i].length);
            }
            // a word that differs goes on to the next source's first load (or to the drop after the last)
            final int next = i == sources.length - 1 ? drop : 8 + 8 * (i + 1);
            for (int w = 0; w < 4; w++) {
                final int at = 8 + 8 * i + 2 * w + 1;
                final int word = (sources[i][4 * w] & 0xff) << 24 | (sources[i][4 * w + 1] & 0xff) << 16
                    | (sources[i][4 * w + 2] & 0xff) << 8 | sources[i][4 * w + 3] & 0xff;
                p.add(new Insn(LD_W_ABS, 0, 0, SKF_NET_OFF + IPV6_SOURCE + 4 * w));
                p.add(new Insn(JEQ_K, w == 3 ? accept - at - 1 : 0, next - at - 1, word));
            }
        }
        p.add(new Insn(RET_K, 0, 0, ACCEPT));
        p.add(new Insn(RET_K, 0, 0, 0));
        return List.copyOf(p);
    }
}
