package armd.monitor;

import armd.probe.IcmpProbe;
import armd.probe.ProbeOutcome;
import armd.sys.Errno;
import armd.sys.SysException;

import java.net.InetAddress;

/**
 * ICMP echo to one address (public LAN and NFS server monitors) through {@link IcmpProbe}: one echo per probe,
 * waiting up to the timeout. The socket is opened once (and again after it could not be opened).
 */
final class PingCheck implements Check {
    private final InetAddress target;
    private final String interfaceName;
    private final int timeoutMs;
    private IcmpProbe probe;
    private String openFailure;
    private IcmpProbe.Result last;

    /** Opens the socket now (in the caller's network namespace); a failure to open is retried at each probe. */
    PingCheck(final InetAddress target, final String interfaceName, final int timeoutMs) {
        this.target = target;
        this.interfaceName = interfaceName;
        this.timeoutMs = timeoutMs;
        open();
    }

    private boolean open() {
        try {
            probe = IcmpProbe.open(target, interfaceName, null);
            openFailure = null;
            return true;
        } catch (SysException e) {
            openFailure = e.getMessage();
            return false;
        }
    }

    @Override
    public int probe() {
        if (probe == null && !open()) {
            last = null;
            return FAILED;
        }
        last = probe.probe(timeoutMs);
        return last.outcome() == ProbeOutcome.HEALTHY ? HEALTHY : FAILED;
    }

    @Override
    public String reason() {
        if (last == null) {
            return "cannot ping " + armd.wire.RtnlAddr.text(target) + ": " + openFailure;
        }
        if (last.reason().equals(IcmpProbe.NO_REPLY)) {
            return "no reply from " + armd.wire.RtnlAddr.text(target) + " within " + timeoutMs + " ms";
        }
        return "ping " + armd.wire.RtnlAddr.text(target) + ": " + last.reason()
            + (last.errno() != 0 ? " (" + Errno.describe(last.errno()) + ")" : "");
    }

    @Override
    public void close() {
        if (probe != null) {
            probe.close();
            probe = null;
        }
    }
}
