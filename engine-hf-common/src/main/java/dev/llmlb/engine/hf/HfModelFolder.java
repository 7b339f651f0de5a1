package dev.llmlb.engine.hf;

import dev.llmlb.api.engine.EngineException;
import dev.llmlb.api.engine.Prompt;
import dev.llmlb.api.engine.TokenLogprob;
import dev.llmlb.engine.hf.json.TokenTrie;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * The text side of a HuggingFace model folder: its config, tokenizer and chat template, and how a {@link Prompt}
 * becomes token ids. An engine adds the forward pass, which {@link DecodeScheduler} runs.
 *
 * <p>Prompts become ids as engine-llamacpp makes them: chat messages are rendered with the model's template (ChatML
 * when it has none), raw text is taken as is, and the tokenizer's post-processor adds its special tokens (BOS for
 * Llama); when a template writes the BOS text itself, that copy is dropped so the model sees one BOS.
 */
public final class HfModelFolder implements AutoCloseable {

    private final HfConfig config;
    private final HfTokenizer tokenizer;
    private final ChatTemplate chatTemplate;
    private final Set<Integer> eosTokenIds;
    private final Path directory;
    private volatile Vocabulary vocabulary;
    private volatile TokenTrie trie;

    private HfModelFolder(Path directory, HfConfig config, HfTokenizer tokenizer) {
        this.directory = directory;
        this.config = config;
        this.tokenizer = tokenizer;
        this.chatTemplate = ChatTemplate.forTokenizer(tokenizer);
        Set<Integer> eos = new LinkedHashSet<>(config.eosTokenIds());
        tokenizer.eosToken().ifPresent(t -> tokenizer.tokenId(t).ifPresent(eos::add));
        this.eosTokenIds = Set.copyOf(eos);
    }

    /**
     * Opens the config and tokenizer files of a model folder.
     *
     * @throws EngineException when a required file is missing or unreadable
     */
    public static HfModelFolder open(Path directory) {
        HfConfig config = HfConfig.read(directory);
        return new HfModelFolder(directory, config, HfTokenizer.load(directory));
    }

    public HfConfig config() {
        return config;
    }

    public HfTokenizer tokenizer() {
        return tokenizer;
    }

    public ChatTemplate chatTemplate() {
        return chatTemplate;
    }

    /**
     * The tokens that end a generation: the {@code eos_token_id}s of {@code generation_config.json} and
     * {@code config.json}, and the id of {@code tokenizer_config.json}'s {@code eos_token}.
     */
    public Set<Integer> eosTokenIds() {
        return eosTokenIds;
    }

    /** The text the tokenizer gets: the chat template applied (with the assistant's turn opened), or the raw text. */
    public String render(Prompt prompt) {
        if (prompt instanceof Prompt.Text text) {
            return text.text();
        }
        Prompt.Chat chat = (Prompt.Chat) prompt;
        String rendered = chatTemplate.render(chat.messages(), chat.tools(), true);
        String bos = tokenizer.bosToken().orElse("");
        int[] prefix = tokenizer.specialPrefix();
        if (!bos.isEmpty() && prefix.length > 0 && rendered.startsWith(bos)
                && tokenizer.tokenId(bos).orElse(-1) == prefix[0]) {
            rendered = rendered.substring(bos.length());
        }
        return rendered;
    }

    /** The ids of a prompt, special tokens included: what {@link DecodeScheduler#generate} takes. */
    public int[] promptTokens(Prompt prompt) {
        return tokenizer.encode(render(prompt));
    }

    /** What each token writes, read from {@code tokenizer.json} on first use. */
    public Vocabulary vocabulary() {
        Vocabulary v = vocabulary;
        if (v == null) {
            synchronized (this) {
                if (vocabulary == null) {
                    vocabulary = Vocabulary.read(directory.resolve("tokenizer.json"));
                }
                v = vocabulary;
            }
        }
        return v;
    }

    /** The vocabulary as a trie, for JSON constraints; built on first use. */
    public TokenTrie tokenTrie() {
        TokenTrie t = trie;
        if (t == null) {
            synchronized (this) {
                if (trie == null) {
                    trie = TokenTrie.of(vocabulary());
                }
                t = trie;
            }
        }
        return t;
    }

    /** The log probabilities of one choice, with each token's text and bytes, as the API reports them. */
    public TokenLogprob describe(Sampler.Logprobs logprobs) {
        Vocabulary v = vocabulary();
        List<TokenLogprob> top = new ArrayList<>(logprobs.topTokens().length);
        for (int i = 0; i < logprobs.topTokens().length; i++) {
            int id = logprobs.topTokens()[i];
            top.add(new TokenLogprob(v.text(id), v.bytes(id), logprobs.topLogprobs()[i], List.of()));
        }
        return new TokenLogprob(v.text(logprobs.token()), v.bytes(logprobs.token()), logprobs.logprob(), top);
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
