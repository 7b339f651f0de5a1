package dev.llmlb.testkit.tck;

import dev.llmlb.api.PluginContext;
import dev.llmlb.api.engine.ChatMessage;
import dev.llmlb.api.engine.ContextLengthExceededException;
import dev.llmlb.api.engine.GenerationRequest;
import dev.llmlb.api.engine.GenerationResult;
import dev.llmlb.api.engine.InferenceEngine;
import dev.llmlb.api.engine.InferenceEngineFactory;
import dev.llmlb.api.engine.InvalidInputException;
import dev.llmlb.api.engine.JsonConstraint;
import dev.llmlb.api.engine.LoadOptions;
import dev.llmlb.api.engine.LoadedModel;
import dev.llmlb.api.engine.LocalModel;
import dev.llmlb.api.engine.ModelInfo;
import dev.llmlb.api.engine.Prompt;
import dev.llmlb.api.engine.SamplingParams;
import dev.llmlb.api.engine.TokenLogprob;
import dev.llmlb.api.engine.TokenSink;
import dev.llmlb.testkit.models.TinyVocabulary;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * What the node relies on from every {@link InferenceEngine}. A plugin author extends this class, writes a small
 * model in the engine's format, and gets these checks: the factory's name and formats, loading with sane
 * {@link ModelInfo}, generation bounded by {@code maxTokens} with exact counts, determinism for greedy and seeded
 * sampling, text that depends on the prompt and the seed, a sink that stops generation at once, chat prompts, context
 * overflow refused before generating, JSON held to a schema even with random weights, log probabilities, logit bias,
 * and a clean close.
 *
 * <p>The model is loaded as the host loads it, asking for {@value #PARALLEL} sequences at once; the engine grants
 * what it can ({@link ModelInfo#parallelSequences()}), and as many generations as it grants must run together
 * without changing any of them: greedy and seeded generations give exactly the tokens each gives alone, whether they
 * start together or join while others run, and a sequence stopped half-way leaves the others untouched. An engine
 * that grants one sequence passes these cases with one.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class InferenceEngineContract {

    /** The sequences the host asks for by default ({@code LLMLB_PARALLEL}). */
    protected static final int PARALLEL = 4;

    /** Where the test model and the engine's caches go; set before the model is written. */
    protected Path folder;
    private InferenceEngine engine;
    private LoadedModel model;

    /** The plugin's factory. */
    protected abstract InferenceEngineFactory factory();

    /** Writes a small model in one of the engine's formats under {@code folder}; the model as the host sees it. */
    protected abstract LocalModel writeModel(Path folder);

    /** The context the node would give the plugin; override to pass settings. */
    protected PluginContext context() {
        return TestPluginContext.in(folder);
    }

    @BeforeAll
    void load(@TempDir Path temporary) {
        folder = temporary;
        engine = factory().create(context());
        LocalModel local = writeModel(folder);
        assertTrue(factory().formats().contains(local.format()), "the test model's format is one the engine runs");
        assertEquals(Optional.empty(), engine.unsupportedReason(local));
        model = engine.load(local, LoadOptions.cpu(2, 0).withParallelSequences(PARALLEL));
    }

    @AfterAll
    void unload() {
        if (model != null) {
            model.close();
        }
        if (engine != null) {
            engine.close();
        }
    }

    private GenerationResult generate(Prompt prompt, int max, SamplingParams sampling, List<String> pieces) {
        return model.generate(new GenerationRequest(prompt, max, sampling), pieces::add);
    }

    @Test
    void theFactoryNamesItselfAndItsFormats() {
        assertTrue(factory().name().matches("[a-z][a-z0-9_]{0,63}"), factory().name());
        assertFalse(factory().formats().isEmpty());
    }

    @Test
    void aLoadedModelDescribesItself() {
        ModelInfo info = model.info();
        assertTrue(info.contextLength() > 0);
        assertTrue(info.parallelSequences() >= 1 && info.parallelSequences() <= PARALLEL,
                "between one and the sequences asked for: " + info.parallelSequences());
        assertTrue(info.memoryBytes() >= 0);
        assertFalse(info.device().isBlank());
    }

    @Test
    void generationStopsAtMaxTokensWithExactCounts() {
        Prompt prompt = new Prompt.Text("Once upon a time");
        List<String> pieces = new ArrayList<>();
        GenerationResult result = generate(prompt, 6, SamplingParams.greedy(), pieces);
        assertTrue(result.completionTokens() <= 6);
        if (result.finishReason() == GenerationResult.FinishReason.LENGTH) {
            assertEquals(6, result.completionTokens());
        } else {
            assertEquals(GenerationResult.FinishReason.END_OF_SEQUENCE, result.finishReason());
        }
        assertTrue(pieces.size() <= result.completionTokens(), "at most one sink call per token");
        assertEquals(model.countPromptTokens(prompt), result.promptTokens());
    }

    @Test
    void greedyAndSeededSamplingRepeatThemselves() {
        Prompt prompt = new Prompt.Text("The weather today");
        List<String> a = new ArrayList<>();
        List<String> b = new ArrayList<>();
        generate(prompt, 12, SamplingParams.greedy(), a);
        generate(prompt, 12, SamplingParams.greedy(), b);
        assertEquals(a, b);
        SamplingParams seeded = new SamplingParams(1.0, 1.0, OptionalLong.of(7), 0, 0);
        List<String> c = new ArrayList<>();
        List<String> d = new ArrayList<>();
        generate(prompt, 12, seeded, c);
        generate(prompt, 12, seeded, d);
        assertEquals(c, d);
    }

    @Test
    void theTextDependsOnThePromptAndTheSeed() {
        List<String> a = new ArrayList<>();
        List<String> b = new ArrayList<>();
        generate(new Prompt.Text("Hello there"), 16, SamplingParams.greedy(), a);
        generate(new Prompt.Text("Good morning"), 16, SamplingParams.greedy(), b);
        assertNotEquals(a, b, "two prompts, one continuation");
        Prompt prompt = new Prompt.Text("Once upon a time");
        List<String> c = new ArrayList<>();
        List<String> d = new ArrayList<>();
        generate(prompt, 24, new SamplingParams(1.0, 1.0, OptionalLong.of(1234), 0, 0), c);
        generate(prompt, 24, new SamplingParams(1.0, 1.0, OptionalLong.of(99), 0, 0), d);
        assertNotEquals(c, d, "two seeds, one sample");
    }

    @Test
    void aSinkThatSaysStopEndsGenerationAtOnce() {
        List<String> pieces = new ArrayList<>();
        GenerationResult result = model.generate(new GenerationRequest(new Prompt.Text("Count: one two three"), 64,
                SamplingParams.greedy()), piece -> pieces.add(piece) && pieces.size() < 2);
        if (result.finishReason() != GenerationResult.FinishReason.END_OF_SEQUENCE) {
            assertEquals(GenerationResult.FinishReason.STOPPED_BY_SINK, result.finishReason());
            assertEquals(2, pieces.size());
        }
    }

    @Test
    void chatPromptsAreFormatted() {
        Prompt chat = new Prompt.Chat(List.of(new ChatMessage("system", "Be brief."),
                new ChatMessage("user", "Hello!")));
        assertTrue(model.countPromptTokens(chat) > model.countPromptTokens(new Prompt.Text("Be brief.Hello!")),
                "the chat template adds its own tokens");
        assertTrue(generate(chat, 4, SamplingParams.greedy(), new ArrayList<>()).completionTokens() > 0);
    }

    @Test
    void aPromptBeyondTheContextIsRefusedBeforeGenerating() {
        String tooLong = "word ".repeat(model.info().contextLength() + 8);
        List<String> pieces = new ArrayList<>();
        assertThrows(ContextLengthExceededException.class, () -> generate(new Prompt.Text(tooLong), 4,
                SamplingParams.greedy(), pieces));
        assertEquals(List.of(), pieces);
    }

    /** Distinct prompts, one per sequence the model runs at once. */
    private List<String> distinctPrompts() {
        List<String> starts = List.of("The quick brown fox", "Once upon a time", "In the beginning", "Hello there",
                "Numbers: one two three", "A recipe for bread", "The weather today", "Dear diary,");
        List<String> prompts = new ArrayList<>();
        for (int i = 0; i < model.info().parallelSequences(); i++) {
            prompts.add(starts.get(i % starts.size()) + (i < starts.size() ? "" : " " + i));
        }
        return prompts;
    }

    private List<ConcurrentGenerations.Generation> eachAlone(List<GenerationRequest> requests) {
        return requests.stream().map(r -> ConcurrentGenerations.alone(model, r)).toList();
    }

    private void assertSameAsAlone(List<GenerationRequest> requests, ConcurrentGenerations.Start start)
            throws Exception {
        List<ConcurrentGenerations.Generation> alone = eachAlone(requests);
        List<ConcurrentGenerations.Generation> together = ConcurrentGenerations.together(model, requests,
                new int[requests.size()], start);
        for (int i = 0; i < requests.size(); i++) {
            assertEquals(alone.get(i), together.get(i), "generation " + i + " of " + requests.size() + " ("
                    + start + ") differs from the same request alone");
        }
    }

    @Test
    void concurrentGreedyGenerationsGiveExactlyWhatEachGivesAlone() throws Exception {
        List<GenerationRequest> requests = distinctPrompts().stream()
                .map(p -> new GenerationRequest(new Prompt.Text(p), 24, SamplingParams.greedy())).toList();
        assertSameAsAlone(requests, ConcurrentGenerations.Start.TOGETHER);
        assertSameAsAlone(requests, ConcurrentGenerations.Start.STAGGERED);
    }

    @Test
    void concurrentSeededGenerationsGiveExactlyWhatEachGivesAlone() throws Exception {
        List<String> prompts = distinctPrompts();
        List<GenerationRequest> requests = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
            requests.add(new GenerationRequest(new Prompt.Text(prompts.get(i)), 24,
                    new SamplingParams(1.0, 1.0, OptionalLong.of(100 + i), 0, 0)));
        }
        assertSameAsAlone(requests, ConcurrentGenerations.Start.TOGETHER);
        assertSameAsAlone(requests, ConcurrentGenerations.Start.STAGGERED);
    }

    @Test
    void stoppingOneSequenceHalfWayLeavesTheOthersUnchanged() throws Exception {
        List<GenerationRequest> requests = distinctPrompts().stream()
                .map(p -> new GenerationRequest(new Prompt.Text(p), 24, SamplingParams.greedy())).toList();
        List<ConcurrentGenerations.Generation> alone = eachAlone(requests);
        int[] stopAfter = new int[requests.size()];
        stopAfter[0] = 3;
        List<ConcurrentGenerations.Generation> together = ConcurrentGenerations.together(model, requests, stopAfter,
                ConcurrentGenerations.Start.TOGETHER);
        ConcurrentGenerations.Generation stopped = together.get(0);
        if (alone.get(0).pieces().size() >= 3) {
            assertEquals(GenerationResult.FinishReason.STOPPED_BY_SINK, stopped.result().finishReason());
            assertEquals(alone.get(0).pieces().subList(0, 3), stopped.pieces(), "the stopped one, up to its stop");
            assertEquals(3, stopped.result().completionTokens());
        } else {
            assertEquals(alone.get(0), stopped, "it ended before its sink could stop it");
        }
        for (int i = 1; i < requests.size(); i++) {
            assertEquals(alone.get(i), together.get(i), "generation " + i + " beside the stopped one");
        }
        assertEquals(alone.get(0), ConcurrentGenerations.alone(model, requests.get(0)),
                "the stopped request, run again, is whole");
    }

    /** A schema with every kind of value the constraint supports. */
    protected static final String SCHEMA = """
            {"type": "object", "properties": {
              "name": {"type": "string"},
              "age": {"type": "integer"},
              "score": {"type": "number"},
              "member": {"type": "boolean"},
              "colour": {"enum": ["red", "green", "blue"]},
              "tags": {"type": "array", "items": {"enum": ["a", "b"]}},
              "home": {"type": "object", "properties": {"city": {"type": "string"}, "zip": {"type": ["integer", "null"]}},
                       "required": ["city", "zip"], "additionalProperties": false},
              "note": {"anyOf": [{"type": "null"}, {"type": "integer"}]}
            }, "required": ["name", "age", "member", "colour", "tags", "home", "note"], "additionalProperties": false}
            """;

    /**
     * A bias that lets a random model close its strings: the tiny vocabulary's {@code "} token favoured. Engines tested
     * on models with another vocabulary override it.
     */
    protected Map<Integer, Double> closingBias() {
        return Map.of(TinyVocabulary.get().encode("\"").get(0), 6.0);
    }

    @Test
    void aJsonSchemaHoldsEvenRandomWeightsToValidJson() {
        assumeTrue(model.supportsJsonConstraints(), "the engine does not constrain output (the node refuses it)");
        for (long seed = 1; seed <= 3; seed++) {
            SamplingParams sampling = new SamplingParams(1.0, 1.0, OptionalLong.of(seed), 0, 0, closingBias());
            StringBuilder text = new StringBuilder();
            GenerationResult result = model.generate(new GenerationRequest(new Prompt.Chat(List.of(
                    new ChatMessage("user", "Describe someone."))), 400, sampling,
                    Optional.of(new JsonConstraint(SCHEMA, "response_format")), OptionalInt.empty()),
                    piece -> text.append(piece) != null);
            assertEquals(GenerationResult.FinishReason.END_OF_SEQUENCE, result.finishReason(), text.toString());
            assertEquals(List.of(), SchemaCheck.problems(SCHEMA, text.toString()), text.toString());
        }
    }

    @Test
    void logprobsComeWithEachTokenWhenAskedFor() {
        assumeTrue(model.supportsLogprobs(), "the engine reports no log probabilities (the node refuses them)");
        List<TokenLogprob> logprobs = new ArrayList<>();
        GenerationResult result = model.generate(new GenerationRequest(new Prompt.Text("Once upon a time"), 5,
                SamplingParams.greedy(), Optional.empty(), OptionalInt.of(3)), new TokenSink() {
                    @Override
                    public boolean onToken(String text) {
                        throw new AssertionError("a token without its log probabilities");
                    }

                    @Override
                    public boolean onToken(String text, TokenLogprob logprob) {
                        logprobs.add(logprob);
                        return true;
                    }
                });
        assertEquals(result.completionTokens(), logprobs.size());
        for (TokenLogprob logprob : logprobs) {
            assertTrue(logprob.logprob() <= 0, "a log probability is at most 0");
            assertEquals(3, logprob.top().size());
            // Greedy: the chosen token is the most likely one.
            assertEquals(logprob.top().get(0).logprob(), logprob.logprob(), 1e-4);
            assertTrue(logprob.top().get(0).logprob() >= logprob.top().get(1).logprob());
        }
    }

    @Test
    void aLogitBiasBansATokenAndOneOutsideTheVocabularyIsRefused() {
        assumeTrue(model.supportsLogitBias(), "the engine applies no logit bias (the node refuses it)");
        List<String> free = new ArrayList<>();
        generate(new Prompt.Text("The weather today"), 8, SamplingParams.greedy(), free);
        List<Integer> banned = TinyVocabulary.get().encode(free.get(0));
        List<String> biased = new ArrayList<>();
        generate(new Prompt.Text("The weather today"), 8, new SamplingParams(0.0, 1.0, OptionalLong.empty(), 0, 0,
                Map.of(banned.get(0), -100.0)), biased);
        assertNotEquals(free.get(0), biased.get(0));
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> generate(new Prompt.Text("Hi"), 2,
                new SamplingParams(0.0, 1.0, OptionalLong.empty(), 0, 0, Map.of(10_000_000, 5.0)),
                new ArrayList<>()));
        assertEquals("logit_bias", e.param());
    }
}
