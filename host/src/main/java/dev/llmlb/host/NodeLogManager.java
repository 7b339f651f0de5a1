package dev.llmlb.host;

import java.util.logging.LogManager;

/**
 * Keeps logging alive while the node shuts down. The JDK's log manager closes every handler from a shutdown hook
 * of its own, which races the node's hook and loses the draining and "stopped" lines an operator looks for; this
 * one ignores resets once shutdown has begun. The launcher installs it with
 * {@code -Djava.util.logging.manager=dev.llmlb.host.NodeLogManager}.
 */
public final class NodeLogManager extends LogManager {

    @Override
    public void reset() {
        if (!shuttingDown()) {
            super.reset();
        }
    }

    private static boolean shuttingDown() {
        Thread probe = new Thread(() -> { });
        try {
            Runtime.getRuntime().addShutdownHook(probe);
            Runtime.getRuntime().removeShutdownHook(probe);
            return false;
        } catch (IllegalStateException e) {
            return true;
        }
    }
}
