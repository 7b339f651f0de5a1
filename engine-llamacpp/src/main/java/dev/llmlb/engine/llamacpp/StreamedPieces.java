package dev.llmlb.engine.llamacpp;

import de.kherud.llama.LlamaIterator;
import de.kherud.llama.LlamaOutput;

import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * The text pieces of a java-llama.cpp stream, without its closing summary. The stream's last output is a summary
 * (in streaming mode its text is empty) after which {@link LlamaIterator#hasNext()} is false; reading one output
 * ahead tells a token's piece from that summary.
 */
final class StreamedPieces implements Iterator<String> {

    private final LlamaIterator outputs;
    private LlamaOutput ahead;
    private boolean done;

    StreamedPieces(LlamaIterator outputs) {
        this.outputs = outputs;
    }

    @Override
    public boolean hasNext() {
        if (ahead == null && !done) {
            if (!outputs.hasNext()) {
                done = true;
            } else {
                LlamaOutput output = outputs.next();
                if (outputs.hasNext()) {
                    ahead = output;
                } else {
                    done = true;
                }
            }
        }
        return ahead != null;
    }

    @Override
    public String next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        String text = ahead.text;
        ahead = null;
        return text;
    }

    void cancel() {
        outputs.cancel();
    }
}
