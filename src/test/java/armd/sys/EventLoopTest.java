package armd.sys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class EventLoopTest {
    /** Generous: a loaded machine may be slow, but no test waits this long when it passes. */
    private static final long WAIT_S = 30;

    private final CountDownLatch exited = new CountDownLatch(1);
    private EventLoop loop;

    @AfterEach
    void stop() {
        if (loop != null) {
            assertTrue(loop.stop(TimeUnit.SECONDS.toMillis(WAIT_S)), "the loop ended");
        }
    }

    private EventLoop start(final int maxTasks) {
        loop = new EventLoop("armd-test-loop", maxTasks, exited::countDown);
        return loop;
    }

    /** Runs {@code task} on the loop and waits for it. */
    private static void onLoop(final EventLoop l, final Runnable task) throws InterruptedException {
        final CountDownLatch done = new CountDownLatch(1);
        l.execute(() -> {
            task.run();
            done.countDown();
        });
        assertTrue(done.await(WAIT_S, TimeUnit.SECONDS), "the task ran");
    }

    @Test
    void tasksRunInTheOrderTheyWereQueuedOnTheLoopsThread() throws Exception {
        final EventLoop l = start(1024);
        final List<Integer> order = new ArrayList<>();
        final AtomicReference<String> thread = new AtomicReference<>();
        // queued from several threads, each in its own order: each thread's tasks keep theirs
        final Thread[] producers = new Thread[4];
        for (int p = 0; p < producers.length; p++) {
            final int base = p * 100;
            producers[p] = Thread.ofPlatform().start(() -> {
                for (int i = 0; i < 100; i++) {
                    final int v = base + i;
                    l.execute(() -> order.add(v));
                }
            });
        }
        for (final Thread p : producers) {
            p.join();
        }
        onLoop(l, () -> thread.set(Thread.currentThread().getName()));
        assertEquals("armd-test-loop", thread.get());
        final List<Integer> copy = new ArrayList<>();
        onLoop(l, () -> copy.addAll(order));
        assertEquals(400, copy.size());
        for (int p = 0; p < producers.length; p++) {
            final int base = p * 100;
            final List<Integer> mine = copy.stream().filter(v -> v / 100 == base / 100).toList();
            for (int i = 0; i < 100; i++) {
                assertEquals(base + i, mine.get(i));
            }
        }
    }

    @Test
    void timersFireAtOrAfterTheirDeadlinesAndCanBeReArmedOrCancelled() throws Exception {
        final EventLoop l = start(16);
        final LinkedBlockingQueue<String> fired = new LinkedBlockingQueue<>();
        final AtomicInteger early = new AtomicInteger();
        onLoop(l, () -> {
            final long now = System.nanoTime();
            for (final long ms : new long[] {40, 20, -1}) {
                final long deadline = now + TimeUnit.MILLISECONDS.toNanos(ms);
                l.timer(() -> {
                    if (System.nanoTime() - deadline < 0) {
                        early.incrementAndGet();
                    }
                    fired.add("at " + ms);
                }).at(deadline);
            }
            final EventLoop.Timer cancelled = l.timer(() -> fired.add("cancelled"));
            cancelled.at(now + TimeUnit.MILLISECONDS.toNanos(10));
            cancelled.cancel();
            final int[] count = {0};
            final EventLoop.Timer[] self = new EventLoop.Timer[1];
            self[0] = l.timer(() -> {
                if (++count[0] < 3) {
                    self[0].after(TimeUnit.MILLISECONDS.toNanos(5));
                } else {
                    fired.add("re-armed 3 times");
                }
            });
            self[0].after(0);
        });
        final List<String> got = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            final String s = fired.poll(WAIT_S, TimeUnit.SECONDS);
            assertTrue(s != null, "fired: " + got);
            got.add(s);
        }
        assertTrue(got.containsAll(List.of("at 40", "at 20", "at -1", "re-armed 3 times")), got.toString());
        assertEquals(0, early.get(), "no timer fires before its deadline");
        // every deadline has passed and every due timer fired in the same or an earlier turn than this task
        onLoop(l, () -> { });
        assertNull(fired.poll(), "a cancelled timer does not fire");
    }

    @Test
    void anotherThreadWakesTheLoopThroughAWatchedDescriptor() throws Exception {
        final EventLoop l = start(16);
        try (EventFd source = new EventFd("test source")) {
            final LinkedBlockingQueue<Integer> events = new LinkedBlockingQueue<>();
            onLoop(l, () -> l.watch(source.fd(), EventLoop.POLLIN, (fd, revents) -> {
                source.drain();
                events.add(revents);
            }));
            // the loop sleeps in poll(2) with no timer: only the descriptor can wake it
            Thread.ofPlatform().start(source::signal).join();
            assertEquals(EventLoop.POLLIN, (int) events.poll(WAIT_S, TimeUnit.SECONDS));
            onLoop(l, () -> l.unwatch(source.fd()));
            source.signal();
            // the loop turns again (the task wakes it) and must not call the unwatched handler
            onLoop(l, () -> { });
            assertNull(events.poll(), "an unwatched descriptor has no handler");
            source.drain();
        }
    }

    @Test
    void aFullQueueAndAStoppedLoopRejectTasks() throws Exception {
        final EventLoop l = start(2);
        final CountDownLatch release = new CountDownLatch(1);
        final CountDownLatch running = new CountDownLatch(1);
        l.execute(() -> {
            running.countDown();
            await(release);
        });
        assertTrue(running.await(WAIT_S, TimeUnit.SECONDS));
        l.execute(() -> { });
        l.execute(() -> { });
        assertThrows(RejectedExecutionException.class, () -> l.execute(() -> { }));
        release.countDown();
        assertTrue(l.stop(TimeUnit.SECONDS.toMillis(WAIT_S)));
        assertTrue(exited.await(WAIT_S, TimeUnit.SECONDS), "onExit ran");
        assertThrows(RejectedExecutionException.class, () -> l.execute(() -> { }));
    }

    @Test
    void stopIsBoundedWhenATaskIsStuckAndCompletesOnceItReturns() throws Exception {
        final EventLoop l = start(4);
        final CountDownLatch release = new CountDownLatch(1);
        final CountDownLatch running = new CountDownLatch(1);
        l.execute(() -> {
            running.countDown();
            await(release);
        });
        assertTrue(running.await(WAIT_S, TimeUnit.SECONDS));
        assertFalse(l.stop(50), "the stuck task holds the thread: stop gives up after its bound");
        assertEquals(1, exited.getCount(), "onExit has not run");
        release.countDown();
        assertTrue(l.stop(TimeUnit.SECONDS.toMillis(WAIT_S)));
        assertEquals(0, exited.getCount());
    }

    @Test
    void aTaskThatThrowsEndsTheLoopAndSaysWhy() throws Exception {
        final EventLoop l = start(4);
        final IllegalStateException boom = new IllegalStateException("boom");
        final AtomicInteger after = new AtomicInteger();
        l.execute(() -> {
            throw boom;
        });
        assertTrue(exited.await(WAIT_S, TimeUnit.SECONDS), "onExit ran");
        assertSame(boom, l.failure());
        assertThrows(RejectedExecutionException.class, () -> l.execute(after::incrementAndGet));
        assertEquals(0, after.get());
    }

    @Test
    void loopThreadCallsAreRefusedElsewhere() {
        final EventLoop l = start(4);
        assertThrows(IllegalStateException.class, () -> l.timer(() -> { }));
        assertThrows(IllegalStateException.class, () -> l.watch(0, EventLoop.POLLIN, (fd, r) -> { }));
        assertFalse(l.inLoop());
    }

    private static void await(final CountDownLatch latch) {
        try {
            assertTrue(latch.await(WAIT_S, TimeUnit.SECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
