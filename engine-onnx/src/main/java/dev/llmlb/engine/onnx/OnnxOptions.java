package dev.llmlb.engine.onnx;

import dev.llmlb.api.PluginContext;
import dev.llmlb.api.engine.EngineException;

import java.util.Locale;
import java.util.Optional;

/**
 * How ONNX Runtime runs the models: the execution provider and its threads, from the node's settings.
 *
 * <ul>
 *   <li>{@code LLMLB_ONNX_PROVIDER}: {@code auto} (default: CUDA when the node places the model on a GPU and
 *       this ONNX Runtime has the CUDA provider, else the CPU), {@code cpu}, or {@code cuda} (fail when CUDA is not
 *       available). CUDA needs the {@code onnxruntime_gpu} jar in place of {@code onnxruntime} in
 *       {@code plugins/engine-onnx/} (same module name, same version) and the CUDA and cuDNN libraries that ONNX
 *       Runtime release was built against.</li>
 *   <li>{@code LLMLB_ONNX_CUDA_DEVICE}: the GPU index for {@code cuda}, default 0.</li>
 *   <li>{@code LLMLB_ONNX_THREADS}: intra-op threads per model, default 0: the node's threads per generation
 *       ({@code LLMLB_THREADS}), or one per core when the decoder is used alone.</li>
 *   <li>{@code LLMLB_ONNX_PREFILL_CHUNK}: prompt tokens per forward pass, default 256; bounds the logits a long
 *       prompt materialises at once ({@code chunk × vocab} floats).</li>
 *   <li>{@code LLMLB_ONNX_MAX_CONTEXT}: the context a model gets when the node does not ask for one, default
 *       4096, never more than the model's own.</li>
 *   <li>{@code LLMLB_ONNX_SPIN}: {@code true} (default) lets idle worker threads spin between operators, which
 *       is fastest on cores of its own; {@code false} makes them sleep, which costs less when the cores are
 *       shared with other models or processes.</li>
 * </ul>
 *
 * @param provider     where the graph runs
 * @param cudaDevice   the GPU index when {@code provider} is CUDA
 * @param threads      intra-op threads; 0 leaves them to the node (engine) or to ONNX Runtime (decoder alone)
 * @param prefillChunk prompt tokens per forward pass
 * @param spin         whether idle intra-op threads spin instead of sleeping
 * @param maxContext   the context given when none is asked for
 */
public record OnnxOptions(Provider provider, int cudaDevice, int threads, int prefillChunk, boolean spin,
                          int maxContext) {

    public static final String PROVIDER = "LLMLB_ONNX_PROVIDER";
    public static final String CUDA_DEVICE = "LLMLB_ONNX_CUDA_DEVICE";
    public static final String THREADS = "LLMLB_ONNX_THREADS";
    public static final String PREFILL_CHUNK = "LLMLB_ONNX_PREFILL_CHUNK";
    public static final String SPIN = "LLMLB_ONNX_SPIN";
    public static final String MAX_CONTEXT = "LLMLB_ONNX_MAX_CONTEXT";

    /** Where models run: the CPU, CUDA, or CUDA when it is available and wanted. */
    public enum Provider { AUTO, CPU, CUDA }

    public OnnxOptions {
        if (cudaDevice < 0 || threads < 0 || prefillChunk <= 0 || maxContext <= 0) {
            throw new IllegalArgumentException("cudaDevice and threads must be >= 0, prefillChunk and maxContext > 0");
        }
    }

    /** What the settings give when none is set: {@link Provider#AUTO}, ONNX Runtime's threading. */
    public static OnnxOptions defaults() {
        return new OnnxOptions(Provider.AUTO, 0, 0, 256, true, 4096);
    }

    /** The defaults on the CPU only. */
    public static OnnxOptions cpu() {
        return defaults().withProvider(Provider.CPU);
    }

    public OnnxOptions withProvider(Provider where) {
        return new OnnxOptions(where, cudaDevice, threads, prefillChunk, spin, maxContext);
    }

    public OnnxOptions withThreads(int count) {
        return new OnnxOptions(provider, cudaDevice, count, prefillChunk, spin, maxContext);
    }

    public OnnxOptions withPrefillChunk(int tokens) {
        return new OnnxOptions(provider, cudaDevice, threads, tokens, spin, maxContext);
    }

    public OnnxOptions withSpin(boolean spinning) {
        return new OnnxOptions(provider, cudaDevice, threads, prefillChunk, spinning, maxContext);
    }

    /**
     * Reads the settings.
     *
     * @throws EngineException when a setting has a value the engine does not understand
     */
    public static OnnxOptions from(PluginContext context) {
        OnnxOptions defaults = defaults();
        Provider provider = context.setting(PROVIDER).map(String::strip).filter(s -> !s.isEmpty())
                .map(OnnxOptions::provider).orElse(defaults.provider());
        return new OnnxOptions(provider,
                number(context.setting(CUDA_DEVICE), CUDA_DEVICE, 0, defaults.cudaDevice()),
                number(context.setting(THREADS), THREADS, 0, defaults.threads()),
                number(context.setting(PREFILL_CHUNK), PREFILL_CHUNK, 1, defaults.prefillChunk()),
                bool(context.setting(SPIN), SPIN, defaults.spin()),
                number(context.setting(MAX_CONTEXT), MAX_CONTEXT, 1, defaults.maxContext()));
    }

    private static boolean bool(Optional<String> value, String key, boolean fallback) {
        if (value.isEmpty() || value.get().isBlank()) {
            return fallback;
        }
        return switch (value.get().strip().toLowerCase(Locale.ROOT)) {
            case "true", "1", "yes", "on" -> true;
            case "false", "0", "no", "off" -> false;
            default -> throw new EngineException(key + "=" + value.get() + " must be true or false");
        };
    }

    private static Provider provider(String value) {
        try {
            return Provider.valueOf(value.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new EngineException(PROVIDER + "=" + value + " is not an execution provider the onnx engine "
                    + "knows; use auto, cpu or cuda");
        }
    }

    private static int number(Optional<String> value, String key, int min, int fallback) {
        if (value.isEmpty() || value.get().isBlank()) {
            return fallback;
        }
        try {
            int n = Integer.parseInt(value.get().strip());
            if (n >= min) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new EngineException(key + "=" + value.get() + " must be a whole number of at least " + min);
    }
}
