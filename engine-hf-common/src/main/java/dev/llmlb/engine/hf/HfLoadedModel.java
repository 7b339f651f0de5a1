package dev.llmlb.engine.hf;

import dev.llmlb.api.engine.LoadedModel;
import dev.llmlb.api.engine.ModelInfo;
import dev.llmlb.api.engine.Prompt;

/**
 * What a loaded HuggingFace model is whatever runs its decoder: the folder's tokenizer and chat template, the
 * token loop and the model's info. An engine adds {@link #generate} (how it feeds its decoder) and closes its
 * decoder in {@link #closeDecoder()}.
 */
public abstract class HfLoadedModel implements LoadedModel {

    private final HfModelFolder folder;
    private final DecoderLoop loop;
    private final ModelInfo info;

    protected HfLoadedModel(HfModelFolder folder, ModelInfo info) {
        this.folder = folder;
        this.loop = folder.loop(info.contextLength());
        this.info = info;
    }

    protected final HfModelFolder folder() {
        return folder;
    }

    protected final DecoderLoop loop() {
        return loop;
    }

    @Override
    public final ModelInfo info() {
        return info;
    }

    @Override
    public final int countPromptTokens(Prompt prompt) {
        return folder.promptTokens(prompt).length;
    }

    /** The ids of {@code prompt}, special tokens included. */
    public final int[] promptTokens(Prompt prompt) {
        return folder.promptTokens(prompt);
    }

    /** The text the tokenizer gets for {@code prompt}: the chat template applied, or the raw text. */
    public final String render(Prompt prompt) {
        return folder.render(prompt);
    }

    /** Releases the engine's decoder; the folder (tokenizer) is closed after it. */
    protected abstract void closeDecoder();

    @Override
    public void close() {
        closeDecoder();
        folder.close();
    }
}
