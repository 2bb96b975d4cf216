package io.github.jcnn.kernels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Lanes: barriers that see every lane's writes, never more lanes computing than threads, no deadlock, failures. */
class LanesTest {

    @Test
    @Timeout(60)
    void everyLaneSeesEveryPartialAfterTheBarrierForAnyThreadAndLaneCount() {
        int before = Parallel.threads();
        try {
            for (int threads = 1; threads <= 3; threads++) {
                Parallel.setThreads(threads);
                for (int count = 1; count <= 7; count++) {
                    int lanes = count;
                    long[] partial = new long[lanes];
                    long[][] seen = new long[lanes][5];
                    AtomicInteger computing = new AtomicInteger();
                    AtomicInteger most = new AtomicInteger();
                    Lanes.run(lanes, i -> {
                        for (int round = 0; round < 5; round++) {
                            int now = computing.incrementAndGet();
                            most.accumulateAndGet(now, Math::max);
                            partial[i] = (i + 1) * 100L + round;
                            assertThat(Lanes.current().index()).isEqualTo(i);
                            assertThat(Lanes.current().count()).isEqualTo(lanes);
                            computing.decrementAndGet();
                            Lanes.current().await();
                            computing.incrementAndGet();
                            long sum = 0;
                            for (long p : partial) {
                                sum += p;
                            }
                            seen[i][round] = sum;
                            computing.decrementAndGet();
                            Lanes.current().await();   // nobody overwrites a partial still being read
                        }
                    });
                    for (int i = 0; i < lanes; i++) {
                        for (int round = 0; round < 5; round++) {
                            assertThat(seen[i][round]).isEqualTo(100L * lanes * (lanes + 1) / 2 + (long) lanes * round);
                        }
                    }
                    assertThat(most.get()).as("%d lanes on %d threads", lanes, threads)
                            .isLessThanOrEqualTo(threads);
                }
            }
        } finally {
            Parallel.setThreads(before);
        }
    }

    @Test
    @Timeout(60)
    void aFailingLaneReleasesTheOthersAndItsExceptionIsRethrown() {
        int before = Parallel.threads();
        try {
            for (int threads = 1; threads <= 3; threads++) {
                Parallel.setThreads(threads);
                assertThatThrownBy(() -> Lanes.run(5, i -> {
                    Lanes.current().await();
                    if (i == 3) {
                        throw new IllegalArgumentException("lane 3 fails");
                    }
                    Lanes.current().await();
                    Lanes.current().await();
                })).isInstanceOf(IllegalArgumentException.class).hasMessage("lane 3 fails");
                assertThat(Lanes.current()).isNull();
            }
        } finally {
            Parallel.setThreads(before);
        }
    }

    @Test
    void aLaneRunsNestedForRangesInline() {
        int before = Parallel.threads();
        try {
            Parallel.setThreads(2);
            boolean[] inside = new boolean[3];
            Lanes.run(3, i -> Parallel.forRange(10, (part, from, to) -> {
                assertThat(to - from).isEqualTo(10);
                inside[i] = true;
            }));
            assertThat(inside).containsOnly(true);
        } finally {
            Parallel.setThreads(before);
        }
    }
}
