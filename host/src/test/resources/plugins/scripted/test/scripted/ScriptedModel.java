package test.scripted;

import dev.llmlb.api.engine.ContextLengthExceededException;
import dev.llmlb.api.engine.Embedding;
import dev.llmlb.api.engine.EmbeddingInput;
import dev.llmlb.api.engine.EmbeddingRequest;
import dev.llmlb.api.engine.EmbeddingResult;
import dev.llmlb.api.engine.GenerationRequest;
import dev.llmlb.api.engine.GenerationResult;
import dev.llmlb.api.engine.InvalidInputException;
import dev.llmlb.api.engine.LoadedModel;
import dev.llmlb.api.engine.ModelInfo;
import dev.llmlb.api.engine.Prompt;
import dev.llmlb.api.engine.TokenLogprob;
import dev.llmlb.api.engine.TokenSink;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/** Generates its script one character per token; a prompt containing "BOOM" makes it fail unexpectedly. */
final class ScriptedModel implements LoadedModel {

    private final String script;
    private final long delayMillis;
    private final int contextLength;
    private final long bytes;
    private final int sequences;

    ScriptedModel(String script, long delayMillis, int contextLength, long bytes, int sequences) {
        this.script = script;
        this.delayMillis = delayMillis;
        this.contextLength = contextLength;
        this.bytes = bytes;
        this.sequences = sequences;
    }

    /** A script starting with this makes an embedding model: it does not generate, its vectors are normalised. */
    static final String EMBED_ONLY = "EMBED-ONLY";

    private boolean embedOnly() {
        return script.startsWith(EMBED_ONLY);
    }

    @Override
    public ModelInfo info() {
        return new ModelInfo(contextLength, embedOnly() ? java.util.Set.of(ModelInfo.Capability.EMBED)
                : java.util.Set.of(ModelInfo.Capability.GENERATE, ModelInfo.Capability.EMBED), bytes, "cpu", sequences);
    }

    private static String render(Prompt prompt) {
        if (prompt instanceof Prompt.Chat chat) {
            return chat.messages().stream().map(m -> m.role() + ": " + m.content())
                    .collect(Collectors.joining("\n"));
        }
        return ((Prompt.Text) prompt).text();
    }

    @Override
    public int countPromptTokens(Prompt prompt) {
        String text = render(prompt);
        if (text.contains("BOOM")) {
            throw new IllegalStateException("scripted failure");
        }
        return text.length();
    }

    @Override
    public GenerationResult generate(GenerationRequest request, TokenSink sink) {
        int promptTokens = countPromptTokens(request.prompt());
        if (promptTokens + 1 > contextLength) {
            throw new ContextLengthExceededException(promptTokens, contextLength);
        }
        int produced = 0;
        int offset = 0;
        while (offset < script.length()) {
            if (produced == request.maxTokens() || promptTokens + produced == contextLength) {
                return new GenerationResult(GenerationResult.FinishReason.LENGTH, promptTokens, produced);
            }
            int end = script.offsetByCodePoints(offset, 1);
            String piece = script.substring(offset, end);
            offset = end;
            if (delayMillis > 0) {
                try {
                    Thread.sleep(delayMillis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return new GenerationResult(GenerationResult.FinishReason.STOPPED_BY_SINK, promptTokens, produced);
                }
            }
            produced++;
            boolean go = request.topLogprobs().isPresent() ? sink.onToken(piece, logprob(piece,
                    request.topLogprobs().getAsInt())) : sink.onToken(piece);
            if (!go) {
                return new GenerationResult(GenerationResult.FinishReason.STOPPED_BY_SINK, promptTokens, produced);
            }
        }
        return new GenerationResult(GenerationResult.FinishReason.END_OF_SEQUENCE, promptTokens, produced);
    }

    /** A made-up log probability: -0.5 for the piece, then alternatives "a", "b"... each 1 lower. */
    private static TokenLogprob logprob(String piece, int top) {
        List<TokenLogprob> alternatives = new ArrayList<>();
        for (int i = 0; i < top; i++) {
            String text = String.valueOf((char) ('a' + i));
            alternatives.add(new TokenLogprob(text, text.getBytes(java.nio.charset.StandardCharsets.UTF_8), -1.0 - i,
                    List.of()));
        }
        return new TokenLogprob(piece, piece.getBytes(java.nio.charset.StandardCharsets.UTF_8), -0.5, alternatives);
    }

    /**
     * Vectors {@code [length, count of 'a', 1]} (token inputs: {@code [ids, count of id 97, 1]}), scaled to length 1
     * when the script starts with {@link #EMBED_ONLY}; inputs longer than the context are refused.
     */
    @Override
    public EmbeddingResult embed(EmbeddingRequest request) {
        List<Embedding> vectors = new ArrayList<>();
        int tokens = 0;
        for (int i = 0; i < request.inputs().size(); i++) {
            float[] v = switch (request.inputs().get(i)) {
                case EmbeddingInput.Text text -> new float[] {text.text().length(),
                        text.text().chars().filter(c -> c == 'a').count(), 1f};
                case EmbeddingInput.Tokens ids -> new float[] {ids.size(),
                        java.util.Arrays.stream(ids.ids()).filter(t -> t == 'a').count(), 1f};
            };
            if (v[0] > contextLength) {
                throw InvalidInputException.tooLong(request.param(i), (int) v[0], contextLength);
            }
            tokens += (int) v[0];
            if (embedOnly()) {
                double norm = Math.sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
                for (int d = 0; d < v.length; d++) {
                    v[d] = (float) (v[d] / norm);
                }
            }
            vectors.add(Embedding.of(v));
        }
        return new EmbeddingResult(vectors, tokens, embedOnly());
    }

    /** The script stands for whatever the constraint asks; tests choose scripts that fit it. */
    @Override
    public boolean supportsJsonConstraints() {
        return true;
    }

    @Override
    public boolean supportsLogprobs() {
        return true;
    }

    @Override
    public boolean supportsLogitBias() {
        return true;
    }

    @Override
    public void close() {
    }
}
