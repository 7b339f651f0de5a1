package dev.llmlb.engine.llamacpp;

import de.kherud.llama.InferenceParameters;
import de.kherud.llama.LlamaIterator;
import de.kherud.llama.LlamaModel;
import de.kherud.llama.LlamaOutput;
import dev.llmlb.api.engine.EngineException;

import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * The text pieces a native completion task streams, read from llama.cpp by a thread of its own (a pump) and handed to
 * the caller in order. The task's last output is a summary (in streaming mode its text is empty), which is not a
 * piece: the iteration ends there.
 *
 * <p>Why a thread per task: java-llama.cpp reads a task's outputs from the native result queue, and a reader whose
 * output is not there yet spins instead of sleeping whenever the queue holds another task's output (b4916's
 * {@code server_response::recv} waits for "the queue is not empty"). With several sequences on one model, a caller
 * that is slow to come back (a client that reads slowly) would leave its outputs in the queue and make every other
 * reader spin on a core. The pump comes back at once, so the queue only holds an output for the moment it takes its
 * reader to wake.
 *
 * <p>{@link #stop()} cancels the task when its next output arrives (within one decoding step), from the pump, and
 * waits for the pump to end: cancelling from another thread would leave the pump waiting for an output that never
 * comes. Once {@code stop} or {@link #close()} returned, nothing touches the native model for this task any more.
 */
final class NativeStream implements Iterator<String>, AutoCloseable {

    private static final Object END = new Object();

    private record Failure(Throwable error) {
    }

    private record Output(String text, boolean last) {
    }

    private final LlamaIterator task;
    private final BlockingQueue<Object> outputs = new LinkedBlockingQueue<>();
    private final Future<?> pump;
    private volatile boolean stopRequested;
    private String ahead;
    private boolean ended;

    private NativeStream(LlamaIterator task, ExecutorService pumps) {
        this.task = task;
        this.pump = pumps.submit(this::pump);
    }

    /** Submits a completion task (llama.cpp refuses a bad request here, on the caller's thread) and starts reading. */
    static NativeStream start(LlamaModel llama, InferenceParameters parameters, ExecutorService pumps) {
        if (pumps.isShutdown()) {
            throw new EngineException("the llamacpp engine is closed");
        }
        return new NativeStream(llama.generate(parameters).iterator(), pumps);
    }

    private void pump() {
        try {
            while (task.hasNext()) {
                if (stopRequested) {
                    task.cancel();
                    return;
                }
                LlamaOutput output = task.next();
                if (stopRequested && task.hasNext()) {
                    task.cancel();
                    return;
                }
                outputs.add(new Output(output.text, !task.hasNext()));
            }
        } catch (RuntimeException | Error e) {
            outputs.add(new Failure(e));
        } finally {
            outputs.add(END);
        }
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

    /** Cancels the native task unless it already ended, and waits until the pump is done with it. */
    void stop() {
        stopRequested = true;
        boolean interrupted = false;
        while (true) {
            try {
                pump.get();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            } catch (ExecutionException e) {
                break; // the pump catches everything; nothing to add
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
