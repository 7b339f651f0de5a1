package dev.llmlb.engine.hf.embed;

import dev.llmlb.api.engine.Embedding;
import dev.llmlb.api.engine.EmbeddingInput;
import dev.llmlb.api.engine.EmbeddingRequest;
import dev.llmlb.api.engine.EmbeddingResult;
import dev.llmlb.api.engine.EngineException;
import dev.llmlb.api.engine.InvalidInputException;
import dev.llmlb.engine.hf.HfTokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

/**
 * What every HuggingFace model's {@code embed} does around its forward pass: tokenize the texts (with the
 * tokenizer's special tokens), check every input against the model's limit and vocabulary before anything runs,
 * run the inputs in padded batches ({@link Batches}), one after the other or side by side on a pool of workers,
 * normalise when the model does, and return the vectors in input order. Immutable and thread-safe when the forward
 * pass is.
 */
public final class Embedder {

    /** The model's forward pass over one batch. */
    @FunctionalInterface
    public interface BatchForward {
        /**
         * Embeds the rows of one batch.
         *
         * @param rows      token ids, one array per input, of differing lengths
         * @param positions the longest row's length, to pad the others to
         * @return one vector per row, in row order, all of one size; the embedder normalises them if it must
         */
        float[][] run(int[][] rows, int positions);
    }

    /**
     * Limits of one model.
     *
     * @param maxTokens       the longest input in tokens
     * @param vocabSize       token ids must be below it
     * @param maxRows         inputs per forward pass
     * @param maxPaddedTokens positions per forward pass, rows times padded length (a longer input runs alone)
     * @param normalize       whether vectors are scaled to length 1
     */
    public record Limits(int maxTokens, int vocabSize, int maxRows, int maxPaddedTokens, boolean normalize) {
        public Limits {
            if (maxTokens < 1 || vocabSize < 1 || maxRows < 1 || maxPaddedTokens < 1) {
                throw new IllegalArgumentException("limits must be positive");
            }
        }
    }

    private final HfTokenizer tokenizer;
    private final Limits limits;
    private final BatchForward forward;
    private final ExecutorService workers;
    private final int parallelism;

    /** An embedder that runs the batches of a request one after the other on the calling thread. */
    public Embedder(HfTokenizer tokenizer, Limits limits, BatchForward forward) {
        this(tokenizer, limits, forward, null, 1);
    }

    /**
     * An embedder that runs the batches of a request side by side on {@code workers}, a pool of {@code parallelism}
     * threads (the forward pass must then be thread-safe); null runs them on the calling thread.
     */
    public Embedder(HfTokenizer tokenizer, Limits limits, BatchForward forward, ExecutorService workers,
                    int parallelism) {
        this.tokenizer = tokenizer;
        this.limits = limits;
        this.forward = forward;
        this.workers = workers;
        this.parallelism = Math.max(1, parallelism);
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }

    public Limits limits() {
        return limits;
    }

    /**
     * Embeds every input of the request.
     *
     * @throws InvalidInputException naming the first input that is too long or holds an unknown token id
     * @throws EngineException       when the forward pass fails
     */
    public EmbeddingResult embed(EmbeddingRequest request) {
        int[][] ids = tokens(request);
        int[] lengths = Arrays.stream(ids).mapToInt(a -> a.length).toArray();
        float[][] vectors = new float[ids.length][];
        // With workers, at least as many batches as workers when there are inputs enough: none sits idle.
        int rows = workers == null ? limits.maxRows()
                : Math.max(1, Math.min(limits.maxRows(), ceilDiv(ids.length, parallelism)));
        List<Batches.Batch> plan = Batches.plan(lengths, rows, limits.maxPaddedTokens());
        if (workers == null || plan.size() == 1) {
            plan.forEach(batch -> runInto(batch, ids, vectors));
        } else {
            List<Future<?>> running = new ArrayList<>(plan.size());
            for (Batches.Batch batch : plan) {
                running.add(workers.submit(() -> runInto(batch, ids, vectors)));
            }
            awaitAll(running);
        }
        List<Embedding> embeddings = new ArrayList<>(vectors.length);
        for (float[] v : vectors) {
            if (limits.normalize()) {
                Vectors.normalize(v);
            }
            embeddings.add(Embedding.of(v));
        }
        return new EmbeddingResult(embeddings, Arrays.stream(lengths).sum(), limits.normalize());
    }

    private void runInto(Batches.Batch batch, int[][] ids, float[][] vectors) {
        int[][] rows = new int[batch.inputs().length][];
        for (int r = 0; r < rows.length; r++) {
            rows[r] = ids[batch.inputs()[r]];
        }
        float[][] out = run(rows, batch.positions());
        for (int r = 0; r < rows.length; r++) {
            vectors[batch.inputs()[r]] = out[r];
        }
    }

    /** Waits for every batch; the first failure is thrown once all have ended (none is left running). */
    private static void awaitAll(List<Future<?>> running) {
        RuntimeException failure = null;
        boolean interrupted = false;
        for (Future<?> future : running) {
            while (true) {
                try {
                    future.get();
                    break;
                } catch (ExecutionException e) {
                    if (failure == null) {
                        failure = e.getCause() instanceof RuntimeException r ? r
                                : new EngineException("the model failed while embedding: " + e.getCause(),
                                        e.getCause());
                    }
                    break;
                } catch (InterruptedException e) {
                    // The batches are running native code that cannot be interrupted: wait them out, then report.
                    interrupted = true;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (failure != null) {
            throw failure;
        }
    }

    private float[][] run(int[][] rows, int positions) {
        float[][] out;
        try {
            out = forward.run(rows, positions);
        } catch (EngineException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new EngineException("the model failed while embedding: " + e.getMessage(), e);
        }
        if (out.length != rows.length) {
            throw new EngineException("the forward pass returned " + out.length + " vectors for " + rows.length
                    + " inputs");
        }
        return out;
    }

    /** The ids of every input, checked. */
    int[][] tokens(EmbeddingRequest request) {
        List<EmbeddingInput> inputs = request.inputs();
        int[][] ids = new int[inputs.size()][];
        for (int i = 0; i < ids.length; i++) {
            String param = request.param(i);
            ids[i] = switch (inputs.get(i)) {
                case EmbeddingInput.Text text -> tokenizer.encode(text.text());
                case EmbeddingInput.Tokens tokens -> checkVocabulary(tokens.ids(), param);
            };
            if (ids[i].length == 0) {
                throw new InvalidInputException(param, "invalid_input", "Invalid '" + param + "': it has no tokens.");
            }
            if (ids[i].length > limits.maxTokens()) {
                throw InvalidInputException.tooLong(param, ids[i].length, limits.maxTokens());
            }
        }
        return ids;
    }

    private int[] checkVocabulary(int[] ids, String param) {
        for (int id : ids) {
            if (id < 0 || id >= limits.vocabSize()) {
                throw new InvalidInputException(param, "invalid_token", "Invalid '" + param + "': token id " + id
                        + " is outside this model's vocabulary of " + limits.vocabSize() + " tokens.");
            }
        }
        return ids;
    }
}
