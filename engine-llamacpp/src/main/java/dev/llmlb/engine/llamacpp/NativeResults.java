package dev.llmlb.engine.llamacpp;

import de.kherud.llama.InferenceParameters;
import de.kherud.llama.LlamaIterator;
import de.kherud.llama.LlamaModel;
import de.kherud.llama.LlamaOutput;
import dev.llmlb.api.engine.EngineException;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;

/**
 * Reads the outputs of every running task of one native model, on one thread, and hands each to its task's
 * {@link NativeStream}.
 *
 * <p>Why one reader, measured with java-llama.cpp 4.2.0 (llama.cpp b4916): a thread waiting for a task's output
 * ({@code receiveCompletion}) sleeps only while the native result queue is empty; while it holds another task's
 * output it spins ({@code server_response::recv} waits for "the queue is not empty"). With a reader thread per task,
 * every output woke all readers, and those it was not for spun until its own reader took it: 4 streams on a 104 MB
 * model spent 1.5-1.8 s of 4.5 s of process CPU in readers that had nothing to read, and made 94-134 tokens/s; with
 * this reader, 0.15-0.2 s and 165-208 tokens/s.
 *
 * <p>One reader waiting for one task at a time spins only when another task's output comes first. Each decoding step
 * sends one output per running slot in a short burst, in slot order, so the reader waits for each task once per
 * round, in slot order. A slot sends nothing in a step when its token ends inside a UTF-8 character; waiting for it
 * then, with later slots' outputs queued, would spin through the next whole step. So tasks whose last text was not
 * plain ASCII come last in a round: when the reader waits for them, the step's other outputs are taken and the queue
 * is empty. A new task joins at the next round, last as well: its prompt is read in one step (the batch is large
 * enough for any prompt, see {@link NativeModels}), but that may be the step after the others' next tokens.
 *
 * <p>Only this thread cancels tasks: a task cancelled from elsewhere while the reader waits for it would leave the
 * reader waiting for ever. A stopped task is cancelled when the reader gets to it, within one decoding step.
 */
final class NativeResults implements AutoCloseable {

    private final LlamaModel llama;
    private final String name;
    private final List<NativeStream> running = new ArrayList<>();
    private Thread reader;
    private boolean closed;

    NativeResults(LlamaModel llama, String name) {
        this.llama = llama;
        this.name = name;
    }

    /** Submits a completion task (llama.cpp refuses a bad request here, on the caller's thread) and reads it. */
    NativeStream start(InferenceParameters parameters, int slot) {
        synchronized (this) {
            if (closed) {
                throw new EngineException("the llamacpp engine is closed");
            }
        }
        Iterator<LlamaOutput> task = llama.generate(parameters).iterator();
        NativeStream stream = new NativeStream((LlamaIterator) task, slot);
        synchronized (this) {
            running.add(stream);
            if (reader == null) {
                reader = new Thread(this::read, "llamacpp-results-" + name);
                reader.setDaemon(true);
                reader.start();
            }
            notifyAll();
        }
        return stream;
    }

    private void read() {
        List<NativeStream> round = new ArrayList<>();
        while (true) {
            if (round.isEmpty()) {
                synchronized (this) {
                    while (running.isEmpty() && !closed) {
                        try {
                            wait();
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                    if (running.isEmpty()) {
                        return;
                    }
                    round.addAll(running);
                }
                round.sort(Comparator.comparing(NativeStream::mayHoldBack).thenComparingInt(NativeStream::slot));
            }
            NativeStream next = round.remove(0);
            boolean more;
            if (next.stopRequested()) {
                next.cancelAndEnd();
                more = false;
            } else {
                more = next.readOne();
            }
            if (!more) {
                synchronized (this) {
                    running.remove(next);
                }
            }
        }
    }

    /** Lets the reader end once no task runs; call when the native model is closed. */
    @Override
    public synchronized void close() {
        closed = true;
        notifyAll();
    }
}
