package armd.sys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import armd.it.Need;

import java.util.concurrent.atomic.AtomicIntegerArray;

import org.junit.jupiter.api.Test;

class SchedTest {
    @Test
    void fifoIsSetOnTheCallingThreadOrRefusedWithAnErrnoNeverAnException() throws Exception {
        final AtomicIntegerArray out = new AtomicIntegerArray(3);
        // a thread of its own: the test runner's thread keeps its policy
        final Thread t = new Thread(() -> {
            out.set(0, Sched.setFifo(1));
            out.set(1, Sched.policy());
        });
        t.start();
        t.join(10_000);
        out.set(2, Sched.policy());
        final int rc = out.get(0);
        assertTrue(rc == 0 || rc == -Errno.EPERM, "setFifo: " + rc);
        assertEquals(rc == 0 ? Sched.SCHED_FIFO : Sched.SCHED_OTHER, out.get(1));
        assertEquals(Sched.SCHED_OTHER, out.get(2));
        Need.that(rc == 0, "SCHED_FIFO refused (EPERM): the heartbeat sender needs root (CAP_SYS_NICE) and a "
            + "real-time budget (kernel.sched_rt_runtime_us)");
    }

    /** A process started from a real-time thread (fsck, mount, a script) runs at normal priority. */
    @Test
    void childrenOfARealTimeThreadStartAtNormalPriority() throws Exception {
        final java.util.concurrent.atomic.AtomicReference<String> policy = new java.util.concurrent.atomic
            .AtomicReference<>();
        final AtomicIntegerArray rc = new AtomicIntegerArray(1);
        final Thread t = new Thread(() -> {
            rc.set(0, Sched.setFifo(1));
            try {
                final Process p = new ProcessBuilder("sh", "-c", "grep '^policy' /proc/$$/sched").start();
                policy.set(new String(p.getInputStream().readAllBytes()).trim());
                p.waitFor();
            } catch (java.io.IOException | InterruptedException e) {
                policy.set(e.toString());
            }
        });
        t.start();
        t.join(30_000);
        assertTrue(rc.get(0) == 0 || rc.get(0) == -Errno.EPERM, "setFifo: " + rc.get(0));
        assertTrue(policy.get() != null && policy.get().matches("policy\\s+:\\s+0"), "the child's " + policy.get());
    }

    @Test
    void anInvalidPriorityIsEinval() {
        assertEquals(-Errno.EINVAL, Sched.setScheduler(Sched.SCHED_FIFO, 1000));
    }
}
