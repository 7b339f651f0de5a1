package dev.llmlb.host.support;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Polls until something becomes true, failing the test after a limit. */
public final class Wait {

    private Wait() {
    }

    public static void until(String what, Duration limit, BooleanSupplier condition) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + limit + " waiting until " + what);
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
