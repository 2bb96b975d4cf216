package io.github.jcnn.kernels;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The reuse of large arrays between inference runs: only while open, only what it lent, within its bound. */
class ScratchTest {

    private static final int LARGE = 1 << 17;

    @Test
    void outsideARunEveryRequestIsANewArrayAndGivingIsIgnored() {
        float[] a = Scratch.exactly(LARGE);
        Scratch.give(a);
        assertThat(Scratch.exactly(LARGE)).isNotSameAs(a);
        assertThat(Scratch.atLeast(LARGE)).isNotSameAs(a).hasSize(LARGE);
    }

    @Test
    void anArrayGivenBackServesTheNextRequestOfItsSizeInThisRunAndTheNext() {
        Scratch scratch = Scratch.open();
        float[] a;
        try {
            a = Scratch.exactly(LARGE);
            float[] b = Scratch.exactly(LARGE);
            assertThat(b).isNotSameAs(a);                      // a is still lent
            Scratch.give(a);
            assertThat(Scratch.exactly(LARGE + 1)).isNotSameAs(a).hasSize(LARGE + 1);   // exactly: not a
            assertThat(Scratch.atLeast(LARGE - 5)).isSameAs(a);                    // at least: a serves
            Scratch.give(a);
            Scratch.give(b);
        } finally {
            scratch.close();
        }
        Scratch again = Scratch.open();
        try {
            assertThat(Scratch.exactly(LARGE)).isIn(a, Scratch.exactly(LARGE));
        } finally {
            again.close();
        }
    }

    @Test
    void onlyArraysItLentAreTakenBackAndAResultKeptPastCloseIsNeverHandedOut() {
        Scratch scratch = Scratch.open();
        float[] result;
        try {
            long kept = Scratch.keptFloats();
            Scratch.give(new float[LARGE]);                 // not lent by this scratch: ignored
            assertThat(Scratch.keptFloats()).isEqualTo(kept);
            result = Scratch.exactly(3 * LARGE + 7);           // lent and never given back: the run's result
        } finally {
            scratch.close();
        }
        Scratch next = Scratch.open();
        try {
            Scratch.give(result);                           // from an earlier run: no longer this scratch's
            assertThat(Scratch.exactly(3 * LARGE + 7)).isNotSameAs(result);
        } finally {
            next.close();
        }
    }

    /**
     * Row arrays (a column matrix) are kept as float[] are: one given back serves a request for as many rows of at
     * most its length, never one for another number of rows, and never a float[] request; only while open.
     */
    @Test
    void rowArraysGivenBackServeTheNextRequestWithTheirRowCount() {
        float[][] outside = Scratch.rows(40, 4096);
        Scratch.give(outside);
        assertThat(Scratch.rows(40, 4096)).isNotSameAs(outside);
        Scratch scratch = Scratch.open();
        try {
            float[][] a = Scratch.rows(40, 4096);
            assertThat(a).hasNumberOfRows(40);
            assertThat(a[0]).hasSize(4096);
            Scratch.give(a);
            assertThat(Scratch.rows(41, 4096)).isNotSameAs(a);            // another row count
            assertThat(Scratch.rows(39, 4096)).isNotSameAs(a);
            assertThat(Scratch.rows(40, 4097)).isNotSameAs(a);            // rows too short
            assertThat(Scratch.atLeast(40 * 4096)).isNotSameAs(a[0]);      // not a float[]
            float[][] b = Scratch.rows(40, 1000);                          // shorter rows: a serves
            assertThat(b).isSameAs(a);
            Scratch.give(b);
            Scratch.give(new float[40][4096]);                             // not lent: ignored
            assertThat(Scratch.rows(40, 4096)).isSameAs(a);
            assertThat(Scratch.rows(40, 4096)).isNotSameAs(a);            // a is lent again
        } finally {
            scratch.close();
        }
    }

    @Test
    void smallArraysAreLeftToTheAllocator() {
        Scratch scratch = Scratch.open();
        try {
            float[] small = Scratch.exactly(100);
            Scratch.give(small);
            assertThat(Scratch.exactly(100)).isNotSameAs(small);
        } finally {
            scratch.close();
        }
    }

    @Test
    void nestedOpensCloseWithTheOutermost() {
        Scratch outer = Scratch.open();
        try {
            Scratch inner = Scratch.open();
            float[] a = Scratch.exactly(LARGE + 11);
            inner.close();
            Scratch.give(a);                                 // still open: taken back
            assertThat(Scratch.exactly(LARGE + 11)).isSameAs(a);
        } finally {
            outer.close();
        }
    }
}
