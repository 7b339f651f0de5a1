package dev.llmlb.engine.onnx;

import dev.llmlb.api.engine.ModelInfo;
import dev.llmlb.engine.hf.BatchDecoder;
import dev.llmlb.engine.hf.HfLoadedModel;
import dev.llmlb.engine.hf.HfModelFolder;

import java.util.List;
import java.util.Set;

/**
 * An ONNX decoder loaded in ONNX Runtime, with its tokenizer and chat template. Each generation runs on a sequence
 * of its own, batched with the others as far as the graph allows ({@link OnnxDecoder#batching()}); its KV cache is
 * released when the generation ends, however it ends.
 */
final class OnnxModel extends HfLoadedModel {

    private final OnnxDecoder decoder;

    OnnxModel(String name, HfModelFolder folder, OnnxDecoder decoder, int context, long memoryBytes,
              int sequences) {
        super(name, folder, new ModelInfo(context, Set.of(ModelInfo.Capability.GENERATE), memoryBytes,
                decoder.device(), sequences), new Sequences(decoder));
        this.decoder = decoder;
    }

    OnnxDecoder decoder() {
        return decoder;
    }

    /** The decoder's sequences, as the scheduler runs them. */
    private record Sequences(OnnxDecoder decoder) implements BatchDecoder<DecoderSequence> {
        @Override
        public DecoderSequence open() {
            return decoder.newSequence();
        }

        @Override
        public float[] prefill(DecoderSequence sequence, int[] tokens) {
            return sequence.step(tokens);
        }

        @Override
        public float[][] decode(List<DecoderSequence> sequences, int[] tokens) {
            return decoder.decode(sequences, tokens);
        }

        @Override
        public void release(DecoderSequence sequence) {
            sequence.close();
        }
    }

    @Override
    protected void closeDecoder() {
        decoder.close();
    }
}
