package dev.llmlb.testkit.hub;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Something the fake hub does wrong on purpose when it serves a file. Faults that say how many times apply
 * that many times and are then spent; the others last until {@link FakeHub#clearFaults()}.
 */
public sealed interface Fault {

    /** Closes the connection after {@code bytes} bytes of the body. */
    static Fault dropAfterBytes(long bytes, int times) {
        return new DropAfter(bytes, new AtomicInteger(times));
    }

    /** Sends {@code bytes} bytes, then nothing for {@code pause}, then closes the connection. */
    static Fault stallAfterBytes(long bytes, Duration pause) {
        return new StallAfter(bytes, pause);
    }

    /** Serves content of the right length with wrong bytes. */
    static Fault wrongBytes() {
        return new WrongBytes();
    }

    /** Answers a {@code Range} request with {@code 200} and the whole file. */
    static Fault ignoreRange() {
        return new IgnoreRange();
    }

    /** Sends at most {@code bytesPerSecond}. */
    static Fault throttle(long bytesPerSecond) {
        return new Throttle(bytesPerSecond);
    }

    /** Answers {@code status} (a 5xx) {@code times} times, then serves normally. */
    static Fault serverError(int status, int times) {
        return new ServerError(status, new AtomicInteger(times));
    }

    record DropAfter(long bytes, AtomicInteger remaining) implements Fault {
    }

    record StallAfter(long bytes, Duration pause) implements Fault {
    }

    record WrongBytes() implements Fault {
    }

    record IgnoreRange() implements Fault {
    }

    record Throttle(long bytesPerSecond) implements Fault {
    }

    record ServerError(int status, AtomicInteger remaining) implements Fault {
    }
}
