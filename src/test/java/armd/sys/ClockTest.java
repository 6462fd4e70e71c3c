package armd.sys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.junit.jupiter.api.Test;

class ClockTest {
    @Test
    void realtimeAgreesWithTheJavaWallClockToASecond() {
        final long ms = System.currentTimeMillis();
        final long rt = Clock.realtimeNs();
        assertTrue(Math.abs(rt / 1_000_000L - ms) < 1000, "realtime " + rt + " vs currentTimeMillis " + ms);
    }

    @Test
    void aTimespecIsSecondsThenNanoseconds() {
        try (Arena a = Arena.ofConfined()) {
            final MemorySegment ts = a.allocate(Clock.TIMESPEC_SIZE, 8);
            ts.set(ValueLayout.JAVA_LONG, 0, 3);
            ts.set(ValueLayout.JAVA_LONG, 8, 250);
            assertEquals(3_000_000_250L, Clock.timespecNs(ts, 0));
        }
    }

    @Test
    void aRealtimeInstantMapsIntoTheNanoTimeDomainByItsAge() {
        // received 700 ns before the pair of readings: 700 ns before nowNs
        assertEquals(9_300L, Clock.toNanoTime(1_000_000_000L - 700, 10_000L, 1_000_000_000L));
    }
}
