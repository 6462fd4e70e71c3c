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

    @Test
    void anInvalidPriorityIsEinval() {
        assertEquals(-Errno.EINVAL, Sched.setScheduler(Sched.SCHED_FIFO, 1000));
    }
}
