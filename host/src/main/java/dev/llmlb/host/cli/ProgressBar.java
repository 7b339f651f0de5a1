package dev.llmlb.host.cli;

import java.io.PrintStream;
import java.util.Locale;

/**
 * Draws a download's progress: on a terminal one line redrawn in place
 * ({@code [=========>          ]  45%  394.2 / 876.0 MB  52.1 MB/s  ETA 0:09}), elsewhere one plain line per 10%
 * so that logs and pipes stay readable.
 */
final class ProgressBar {

    /** How progress is shown. */
    enum Mode { BAR, PLAIN, NONE }

    private static final int WIDTH = 30;
    private final PrintStream out;
    private final Mode mode;
    private final long startedNanos = System.nanoTime();
    private long firstBytes = -1;
    private int lastDecile = -1;
    private String lastLine = "";

    ProgressBar(PrintStream out, Mode mode) {
        this.out = out;
        this.mode = mode;
    }

    void update(String state, long done, long total) {
        if (firstBytes < 0 && done > 0) {
            firstBytes = done;
        }
        if (mode == Mode.NONE) {
            return;
        }
        if (mode == Mode.PLAIN) {
            int decile = total > 0 ? (int) Math.min(10, done * 10 / total) : 0;
            if (!state.equals("downloading") && !state.equals("waiting")) {
                return;
            }
            if (decile > lastDecile) {
                lastDecile = decile;
                out.printf(Locale.ROOT, "%s %3d%% (%s / %s)%n", state, decile * 10, megabytes(done), megabytes(total));
            }
            return;
        }
        String line = render(state, done, total);
        if (!line.equals(lastLine)) {
            out.print("\r" + line + " ".repeat(Math.max(0, lastLine.length() - line.length())));
            out.flush();
            lastLine = line;
        }
    }

    String render(String state, long done, long total) {
        double fraction = total > 0 ? Math.min(1.0, (double) done / total) : 0;
        int filled = (int) Math.round(fraction * WIDTH);
        String bar = "=".repeat(Math.max(0, filled - 1)) + (filled > 0 && filled < WIDTH ? ">" : filled == WIDTH ? "="
                : "") + " ".repeat(WIDTH - filled);
        double seconds = (System.nanoTime() - startedNanos) / 1e9;
        double rate = seconds > 0 && firstBytes >= 0 ? (done - firstBytes) / seconds : 0;
        String eta = rate > 0 && total > done ? duration((long) ((total - done) / rate)) : "--:--";
        return String.format(Locale.ROOT, "%-11s [%s] %3d%%  %s / %s  %s/s  ETA %s", state, bar,
                Math.round(fraction * 100), megabytes(done), megabytes(total), megabytes((long) rate), eta);
    }

    /** Ends the bar's line. */
    void finish() {
        if (mode == Mode.BAR && !lastLine.isEmpty()) {
            out.println();
        }
    }

    static String megabytes(long bytes) {
        return String.format(Locale.ROOT, "%.1f MB", bytes / 1_000_000.0);
    }

    private static String duration(long seconds) {
        return seconds >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", seconds / 3600, seconds / 60 % 60,
                seconds % 60) : String.format(Locale.ROOT, "%d:%02d", seconds / 60, seconds % 60);
    }
}
