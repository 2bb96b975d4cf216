package io.github.jcnn.viz;

import java.io.PrintStream;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * A console progress bar for one epoch of training:
 * <pre>
 *   Epoch 2/10 [#########-----------] 176/391  ETA 0:41  loss 1.2345  acc 55.2%  812 img/s
 * </pre>
 * On a terminal ({@code System.console() != null}) the line is redrawn in place with a carriage return, at most ten
 * times a second. Elsewhere (CI logs, files, IDE consoles) it prints plain lines instead, one at every tenth of the
 * epoch, so logs stay readable. {@link #finish(String)} always ends with one complete line.
 * <pre>
 *   ProgressBar bar = ProgressBar.console();
 *   bar.start("Epoch 1/5", batches);
 *   for (...) { ...; bar.update(done, imagesSoFar, runningLoss, runningAccuracy); }
 *   bar.finish("val loss 0.9 val acc 68.0%");
 * </pre>
 * Not thread-safe: one training loop drives it.
 */
public final class ProgressBar {

    private static final int WIDTH = 20;
    private static final long REDRAW_NANOS = 100_000_000L;

    private final PrintStream out;
    private final boolean interactive;
    private final LongSupplier clock;

    private String label = "";
    private int total;
    private long startNanos;
    private long lastDrawNanos;
    private int lastTenth;
    private int lastLength;
    private String lastLine = "";

    /**
     * A progress bar printing to {@code out}.
     *
     * @param out         where to print
     * @param interactive true to redraw one line with carriage returns (a terminal), false for plain lines
     * @param nanoClock   the time source in nanoseconds ({@code System::nanoTime}; tests pass a fake one)
     */
    public ProgressBar(PrintStream out, boolean interactive, LongSupplier nanoClock) {
        this.out = out;
        this.interactive = interactive;
        this.clock = nanoClock;
    }

    /** A progress bar on {@code System.out}, redrawing in place only when a terminal is attached. */
    public static ProgressBar console() {
        return new ProgressBar(System.out, System.console() != null, System::nanoTime);
    }

    /** Whether this bar redraws one line in place. */
    public boolean interactive() {
        return interactive;
    }

    /**
     * Starts a new bar.
     *
     * @param label      shown first, e.g. {@code "Epoch 3/10"}
     * @param totalSteps the number of steps (batches) of this bar, at least 1
     */
    public void start(String label, int totalSteps) {
        if (totalSteps < 1) {
            throw new IllegalArgumentException("a progress bar needs at least 1 step, got " + totalSteps);
        }
        this.label = label;
        this.total = totalSteps;
        this.startNanos = clock.getAsLong();
        this.lastDrawNanos = startNanos - REDRAW_NANOS;
        this.lastTenth = 0;
        this.lastLength = 0;
        this.lastLine = "";
    }

    /**
     * Reports progress; draws when it is time to.
     *
     * @param done     steps finished so far (1..totalSteps)
     * @param samples  samples (images) processed so far, for the speed
     * @param loss     running mean loss
     * @param accuracy running accuracy in [0, 1]
     */
    public void update(int done, long samples, double loss, double accuracy) {
        long now = clock.getAsLong();
        lastLine = line(done, samples, loss, accuracy, now);
        if (interactive) {
            if (now - lastDrawNanos >= REDRAW_NANOS || done == total) {
                lastDrawNanos = now;
                redraw(lastLine);
            }
        } else {
            int tenth = (int) (10L * done / total);
            if (tenth > lastTenth && done < total) {
                lastTenth = tenth;
                out.println(lastLine);
            }
        }
    }

    /**
     * Ends the bar with its last state and {@code extra} (e.g. validation results; may be empty), then a newline.
     */
    public void finish(String extra) {
        String line = lastLine.isEmpty() ? label : lastLine;
        if (extra != null && !extra.isEmpty()) {
            line = line + "  " + extra;
        }
        if (interactive) {
            redraw(line);
            out.println();
        } else {
            out.println(line);
        }
        out.flush();
    }

    private void redraw(String line) {
        StringBuilder s = new StringBuilder("\r").append(line);
        for (int i = line.length(); i < lastLength; i++) {
            s.append(' ');   // wipe the rest of a longer previous line
        }
        lastLength = line.length();
        out.print(s);
        out.flush();
    }

    /** The text of the bar for a state, without drawing it. */
    String line(int done, long samples, double loss, double accuracy, long now) {
        int filled = (int) ((long) WIDTH * done / total);
        StringBuilder s = new StringBuilder(label).append(" [");
        for (int i = 0; i < WIDTH; i++) {
            s.append(i < filled ? '#' : '-');
        }
        double seconds = Math.max(1e-9, (now - startNanos) / 1e9);
        s.append("] ").append(done).append('/').append(total);
        if (done < total) {
            double eta = seconds / Math.max(done, 1) * (total - done);
            s.append("  ETA ").append(duration(eta));
        } else {
            s.append("  ").append(duration(seconds));
        }
        s.append(String.format(Locale.ROOT, "  loss %.4f  acc %.1f%%  %.0f img/s", loss, 100 * accuracy,
                samples / seconds));
        return s.toString();
    }

    /** Seconds as m:ss or h:mm:ss. */
    static String duration(double seconds) {
        long s = Math.round(seconds);
        if (s >= 3600) {
            return String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60);
        }
        return String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }
}
