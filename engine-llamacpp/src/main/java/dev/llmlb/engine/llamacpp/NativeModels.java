package dev.llmlb.engine.llamacpp;

import de.kherud.llama.LlamaModel;
import de.kherud.llama.ModelParameters;
import de.kherud.llama.args.PoolingType;
import dev.llmlb.api.engine.EngineException;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Creates native llama.cpp models and keeps the ones the host unloaded, to hand them out again.
 *
 * <p>Why keep them: in java-llama.cpp 4.2.0 {@link LlamaModel#close()} only stops the model's task loop; the native
 * server context (weights mapping, KV cache, compute buffers) is never freed (measured: a 102 MB model left RSS
 * 135 MB higher after each load and close, and each load left one more non-daemon Java thread behind). Closing
 * therefore frees nothing, and loading the same file again would take the memory a second time. A model the host
 * unloads is parked here instead and reused when the same file is loaded with the same options, so unload/reload
 * cycles (idle timeout, LRU) do not grow the process. Parked models are closed when the engine closes.
 *
 * <p>Each native model comes with its slots and the thread that reads its outputs ({@link NativeResults}). Its batch
 * holds a whole context's worth of tokens, so that any prompt is read in one decoding step, with the tokens of the
 * other running sequences (NativeResults relies on it); llama.cpp still computes in micro-batches of 512.
 */
final class NativeModels implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(NativeModels.class.getName());

    /**
     * What makes two native models interchangeable: the same file contents (path, size, modification time) and the
     * same options.
     *
     * @param contextLength tokens of context per sequence
     * @param sequences     llama.cpp slots: sequences decoded together
     */
    record Key(Path file, long size, long modified, int contextLength, int sequences, int threads, int gpuLayers,
               KvCacheType kvCache, boolean flashAttention, boolean embedding, boolean poolLastToken) {
    }

    /**
     * A native model, its slots (with what their KV cache holds) and its output reader, which travel with it when it
     * is parked.
     */
    record NativeModel(LlamaModel llama, SequenceSlots slots, NativeResults results) {
    }

    private final boolean nativeLog;
    private final Map<Key, Deque<NativeModel>> parked = new HashMap<>();
    private final AtomicInteger loaded = new AtomicInteger();
    private boolean closed;

    NativeModels(boolean nativeLog) {
        this.nativeLog = nativeLog;
    }

    /** A parked model for {@code key}, or a newly loaded one. */
    NativeModel acquire(Key key) {
        synchronized (this) {
            if (closed) {
                throw new EngineException("the llamacpp engine is closed");
            }
            Deque<NativeModel> free = parked.get(key);
            if (free != null && !free.isEmpty()) {
                LOG.log(System.Logger.Level.DEBUG, "reusing the native model of " + key.file());
                return free.pop();
            }
        }
        LlamaModel llama = load(key);
        return new NativeModel(llama, new SequenceSlots(key.sequences()),
                new NativeResults(llama, loaded.incrementAndGet() + "-" + key.file().getFileName()));
    }

    /** Takes back a model the host is done with; every generation on it has returned. */
    void release(Key key, NativeModel model) {
        synchronized (this) {
            if (!closed) {
                parked.computeIfAbsent(key, k -> new ArrayDeque<>()).push(model);
                return;
            }
        }
        close(model);
    }

    private static void close(NativeModel model) {
        model.results().close();
        model.llama().close();
    }

    /** How many unloaded models wait for reuse. */
    synchronized int parkedCount() {
        return parked.values().stream().mapToInt(Deque::size).sum();
    }

    private LlamaModel load(Key key) {
        ModelParameters params = new ModelParameters()
                .setModel(key.file().toString())
                // llama.cpp gives each slot an equal share of the context.
                .setCtxSize(key.contextLength() * key.sequences())
                .setThreads(key.threads())
                .setThreadsBatch(key.threads())
                .setParallel(key.sequences())
                .enableContBatching()
                .setBatchSize(key.contextLength() * key.sequences())
                // Never drop context silently: generations are capped to fit (see LlamaCppModel).
                .disableContextShift();
        if (!nativeLog) {
            params.disableLog();
        }
        if (key.kvCache() != KvCacheType.F16) {
            params.setCacheTypeK(key.kvCache().nativeType).setCacheTypeV(key.kvCache().nativeType);
        }
        if (key.flashAttention()) {
            params.enableFlashAttn();
        }
        if (key.gpuLayers() != 0) {
            params.setGpuLayers(key.gpuLayers() < 0 ? 999 : key.gpuLayers());
        }
        if (key.embedding()) {
            // One sequence must fit a single batch to be pooled.
            params.enableEmbedding().setBatchSize(key.contextLength()).setUbatchSize(key.contextLength());
            if (key.poolLastToken()) {
                // A causal model has no pooling of its own; its last token has seen the whole input. (Mean
                // pooling of a causal model aborts the process in llama.cpp b4916: GGML_ASSERT in ggml_mul_mat.)
                params.setPoolingType(PoolingType.LAST);
            }
        }
        try {
            return new LlamaModel(params);
        } catch (RuntimeException e) {
            NativeErrors.rethrowIfNotNative(e);
            throw new EngineException("llama.cpp could not load " + key.file().getFileName() + ": " + e.getMessage()
                    + (nativeLog ? "" : " (set LLMLB_LLAMACPP_NATIVE_LOG=true to see llama.cpp's own log)"), e);
        }
    }

    /** Closes the parked models; models still in use are closed when released. */
    @Override
    public void close() {
        List<NativeModel> toClose = new ArrayList<>();
        synchronized (this) {
            closed = true;
            parked.values().forEach(toClose::addAll);
            parked.clear();
        }
        toClose.forEach(NativeModels::close);
    }
}
