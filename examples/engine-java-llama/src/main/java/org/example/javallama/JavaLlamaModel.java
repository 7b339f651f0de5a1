package org.example.javallama;

import dev.llmlb.api.engine.ChatMessage;
import dev.llmlb.api.engine.ContextLengthExceededException;
import dev.llmlb.api.engine.GenerationRequest;
import dev.llmlb.api.engine.GenerationResult;
import dev.llmlb.api.engine.GenerationResult.FinishReason;
import dev.llmlb.api.engine.LoadedModel;
import dev.llmlb.api.engine.ModelInfo;
import dev.llmlb.api.engine.Prompt;
import dev.llmlb.api.engine.TokenSink;

import java.util.List;
import java.util.Set;

/**
 * A loaded model. Each generation gets a {@link Sequence} of its own over the shared, read-only weights, so as many
 * generations as the node asked for may run at once.
 */
final class JavaLlamaModel implements LoadedModel {

    private final LlamaWeights weights;
    private final LlamaTokenizer tokenizer;
    private final boolean chatMl;
    private final ModelInfo info;

    /**
     * @param chatMl whether the model's chat template is ChatML; this example formats chats that way, or else as
     *               {@code role: content} lines, since it runs no template language
     */
    JavaLlamaModel(LlamaWeights weights, LlamaTokenizer tokenizer, boolean chatMl, int contextLength,
                   int parallelSequences) {
        this.weights = weights;
        this.tokenizer = tokenizer;
        this.chatMl = chatMl;
        this.info = new ModelInfo(contextLength, Set.of(ModelInfo.Capability.GENERATE),
                weights.bytes() + parallelSequences * Sequence.cacheBytes(weights.shape, contextLength), "cpu",
                parallelSequences);
    }

    @Override
    public ModelInfo info() {
        return info;
    }

    @Override
    public int countPromptTokens(Prompt prompt) {
        return tokens(prompt).size();
    }

    private List<Integer> tokens(Prompt prompt) {
        return tokenizer.encode(switch (prompt) {
            case Prompt.Text text -> text.text();
            case Prompt.Chat chat -> format(chat.messages());
        });
    }

    private String format(List<ChatMessage> messages) {
        StringBuilder text = new StringBuilder();
        for (ChatMessage m : messages) {
            text.append(chatMl ? "<|im_start|>" + m.role() + "\n" + m.content() + "<|im_end|>\n"
                    : m.role() + ": " + m.content() + "\n");
        }
        return text.append(chatMl ? "<|im_start|>assistant\n" : "assistant: ").toString();
    }

    @Override
    public GenerationResult generate(GenerationRequest request, TokenSink sink) {
        List<Integer> prompt = tokens(request.prompt());
        int contextLength = info.contextLength();
        if (prompt.size() + 1 > contextLength) {
            throw new ContextLengthExceededException(prompt.size(), contextLength);
        }
        int limit = Math.min(request.maxTokens(), contextLength - prompt.size());
        Sequence sequence = new Sequence(weights, contextLength);
        TokenPicker picker = new TokenPicker(request.sampling(), tokenizer.vocabularySize());
        LlamaTokenizer.Detokenizer text = tokenizer.new Detokenizer();
        float[] logits = null;
        for (int token : prompt) {
            logits = sequence.step(token);
        }
        int generated = 0;
        while (true) {
            int token = picker.pick(logits);
            if (token == tokenizer.eos()) {
                return new GenerationResult(FinishReason.END_OF_SEQUENCE, prompt.size(), generated);
            }
            generated++;
            if (!sink.onToken(text.next(token))) {
                return new GenerationResult(FinishReason.STOPPED_BY_SINK, prompt.size(), generated);
            }
            if (generated >= limit) {
                return new GenerationResult(FinishReason.LENGTH, prompt.size(), generated);
            }
            logits = sequence.step(token);
        }
    }

    @Override
    public void close() {
        // Nothing outside the Java heap: the weights go with the last reference.
    }
}
