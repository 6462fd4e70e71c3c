package armd.monitor;

import armd.sys.SysException;
import armd.sys.netlink.InterfaceAddress;
import armd.sys.netlink.Rtnetlink;
import armd.wire.Rtnl;

import java.net.Inet4Address;
import java.net.InetAddress;

/**
 * The floating IP at activation: the address is on its interface (an rtnetlink address dump). While online,
 * the engine's event watcher follows address events instead. Allocates: activation only.
 */
final class IpCheck implements Check {
    private final InetAddress address;
    private final String interfaceName;
    private String why;

    IpCheck(final InetAddress address, final String interfaceName) {
        this.address = address;
        this.interfaceName = interfaceName;
    }

    /** Whether {@code interfaceName} holds {@code address} now; null with {@code why} set when it cannot tell. */
    static String missing(final InetAddress address, final String interfaceName) {
        final int ifIndex = Rtnetlink.ifIndex(interfaceName);
        if (ifIndex < 0) {
            return "interface " + interfaceName + " does not exist";
        }
        try (Rtnetlink rt = Rtnetlink.open()) {
            final int family = address instanceof Inet4Address ? Rtnl.AF_INET : Rtnl.AF_INET6;
            for (final InterfaceAddress a : rt.listAddresses(family, ifIndex)) {
                if (a.address().equals(address)) {
                    return null;
                }
            }
            return armd.wire.RtnlAddr.text(address) + " is not on " + interfaceName;
        } catch (SysException e) {
            return "cannot list the addresses of " + interfaceName + ": " + e.getMessage();
        }
    }

    @Override
    public int probe() {
        why = missing(address, interfaceName);
        return why == null ? HEALTHY : FAILED;
    }

    @Override
    public String reason() {
        return why;
    }

    @Override
    public void close() {
        // nothing held
    }
}
