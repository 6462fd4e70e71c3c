package armd.sys.netlink;

import java.net.InetAddress;

/**
 * One address of one interface, as {@link Rtnetlink#listAddresses} reports it.
 *
 * @param ifIndex   interface index
 * @param ifName    interface name (null if the interface vanished during the listing)
 * @param address   the interface's own address
 * @param prefixLen prefix length
 * @param scope     RT_SCOPE_* (0 global, 253 link, 254 host)
 * @param flags     IFA_F_* flags
 * @param label     IFA_LABEL (IPv4 only), or null
 */
public record InterfaceAddress(int ifIndex, String ifName, InetAddress address, int prefixLen, int scope,
                               int flags, String label) {
}
