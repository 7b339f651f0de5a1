package dev.llmlb.engine.llamacpp;

import de.kherud.llama.LlamaIterator;
import de.kherud.llama.LlamaOutput;
import dev.llmlb.api.engine.EngineException;

import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * The text pieces of one native completion task, as {@link NativeResults} reads them, for the caller to take in
 * order. The task's last output is a summary (in streaming mode its text is empty), which is not a piece: the
 * iteration ends there.
 *
 * <p>{@link #stop()} asks the reader to cancel the task (within one decoding step) and waits until it did, or until
 * the task ended; after {@code stop} or {@link #close()}, nothing touches the native model for this task any more.
 */
final class NativeStream implements Iterator<String>, AutoCloseable {

    private static final Object END = new Object();

    private record Failure(Throwable error) {
    }

    private record Output(String text, boolean last) {
    }

    private final LlamaIterator task;
    private final int slot;
    /**
     * Whether llama.cpp may send nothing for this task in a step: until its first output (its prompt may be read in
     * a later step than the others' tokens) and while its text is not plain ASCII (the next token may end inside a
     * character). Reader side only.
     */
    private boolean mayHoldBack = true;
    private final BlockingQueue<Object> outputs = new LinkedBlockingQueue<>();
    private final CountDownLatch done = new CountDownLatch(1);
    private volatile boolean stopRequested;
    private String ahead;
    private boolean ended;

    NativeStream(LlamaIterator task, int slot) {
        this.task = task;
        this.slot = slot;
    }

    /** The llama.cpp slot the task runs on. */
    int slot() {
        return slot;
    }

    /** Reader side: whether llama.cpp may send nothing for this task in a step (see {@link NativeResults}). */
    boolean mayHoldBack() {
        return mayHoldBack;
    }

    /**
     * Reader side: waits for the task's next output and hands it over; false once the task has ended (its last
     * output or a failure).
     */
    boolean readOne() {
        try {
            LlamaOutput output = task.next();
            boolean last = !task.hasNext();
            if (!last && stopRequested) {
                cancelAndEnd();
                return false;
            }
            mayHoldBack = !output.text.chars().allMatch(c -> c < 0x80);
            outputs.add(new Output(output.text, last));
            if (last) {
                end();
            }
            return !last;
        } catch (RuntimeException | Error e) {
            outputs.add(new Failure(e));
            end();
            return false;
        }
    }

    /** Reader side: cancels the native task and ends the stream. */
    void cancelAndEnd() {
        try {
            task.cancel();
        } finally {
            end();
        }
    }

    boolean stopRequested() {
        return stopRequested;
    }

    private void end() {
        outputs.add(END);
        done.countDown();
    }

    @Override
    public boolean hasNext() {
        if (ahead == null && !ended) {
            Object next = take();
            if (next == END) {
                ended = true;
            } else if (next instanceof Failure failure) {
                ended = true;
                if (failure.error() instanceof RuntimeException e) {
                    throw e;
                }
                throw new EngineException("llama.cpp failed: " + failure.error(), failure.error());
            } else if (((Output) next).last()) {
                ended = true;
            } else {
                ahead = ((Output) next).text();
            }
        }
        return ahead != null;
    }

    @Override
    public String next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        String text = ahead;
        ahead = null;
        return text;
    }

    private Object take() {
        try {
            return outputs.take();
        } catch (InterruptedException e) {
            stop();
            Thread.currentThread().interrupt();
            throw new EngineException("the generation was interrupted");
        }
    }

    /** Cancels the native task unless it already ended, and waits until the reader is done with it. */
    void stop() {
        stopRequested = true;
        boolean interrupted = false;
        while (true) {
            try {
                done.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        stop();
    }
}
