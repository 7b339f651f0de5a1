package test.scripted;

import dev.llmlb.api.engine.ContextLengthExceededException;
import dev.llmlb.api.engine.EmbeddingResult;
import dev.llmlb.api.engine.GenerationRequest;
import dev.llmlb.api.engine.GenerationResult;
import dev.llmlb.api.engine.LoadedModel;
import dev.llmlb.api.engine.ModelInfo;
import dev.llmlb.api.engine.Prompt;
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

    @Override
    public ModelInfo info() {
        return new ModelInfo(contextLength, java.util.Set.of(ModelInfo.Capability.GENERATE, ModelInfo.Capability.EMBED), bytes, "cpu",
                sequences);
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
            if (!sink.onToken(piece)) {
                return new GenerationResult(GenerationResult.FinishReason.STOPPED_BY_SINK, promptTokens, produced);
            }
        }
        return new GenerationResult(GenerationResult.FinishReason.END_OF_SEQUENCE, promptTokens, produced);
    }

    @Override
    public EmbeddingResult embed(List<String> inputs) {
        List<float[]> vectors = new ArrayList<>();
        int tokens = 0;
        for (String input : inputs) {
            vectors.add(new float[] {input.length(), input.chars().filter(c -> c == 'a').count(), 1f});
            tokens += input.length();
        }
        return new EmbeddingResult(vectors, tokens);
    }

    @Override
    public void close() {
    }
}
