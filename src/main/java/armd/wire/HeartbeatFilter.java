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
 * address is read through the network-header base (SKF_NET_OFF + 12). Loads are big-endian. Instructions are
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
}
