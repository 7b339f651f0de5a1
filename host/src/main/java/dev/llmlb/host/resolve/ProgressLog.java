package dev.llmlb.host.resolve;

import java.lang.System.Logger.Level;
import java.util.Locale;

/**
 * Logs {@code Download progress: 10% (87.6 MB / 876 MB)} once per 10%, in decimal megabytes, each line naming
 * its step's share of the total exactly as the user's document shows it (87.6 MB is 10% of 876 MB), so every
 * step appears even when the bytes arrive in large chunks. A new planning step (a safetensors index naming its
 * shards) grows the total and starts a new series.
 */
final class ProgressLog {

    private static final System.Logger LOG = System.getLogger(ProgressLog.class.getName());
    private long total;
    private int lastDecile;

    synchronized void total(long newTotal) {
        if (newTotal != total) {
            total = newTotal;
            lastDecile = 0;
        }
    }

    synchronized void bytes(long done) {
        if (total <= 0) {
            return;
        }
        int decile = (int) Math.min(10, done * 10 / total);
        while (lastDecile < decile) {
            lastDecile++;
            LOG.log(Level.INFO, "Download progress: {0}% ({1} / {2})", lastDecile * 10,
                    megabytes(total * lastDecile / 10), megabytes(total));
        }
    }

    /**
     * {@code 87.6 MB}, {@code 876 MB}: one decimal, dropped when it is zero. Under 0.1 MB (the config and index
     * files a sharded model fetches first) in kB, which would otherwise all read {@code 0 MB}.
     */
    static String megabytes(long bytes) {
        return bytes < 100_000 ? oneDecimal(bytes / 1_000.0) + " kB" : oneDecimal(bytes / 1_000_000.0) + " MB";
    }

    private static String oneDecimal(double value) {
        String text = String.format(Locale.ROOT, "%.1f", value);
        return text.endsWith(".0") ? text.substring(0, text.length() - 2) : text;
    }
}
