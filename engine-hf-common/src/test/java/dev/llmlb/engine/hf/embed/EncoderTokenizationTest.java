package dev.llmlb.engine.hf.embed;

import dev.llmlb.api.engine.EmbeddingInput;
import dev.llmlb.api.engine.EmbeddingRequest;
import dev.llmlb.api.engine.EmbeddingResult;
import dev.llmlb.api.engine.EngineException;
import dev.llmlb.api.engine.InvalidInputException;
import dev.llmlb.engine.hf.DjlRuntime;
import dev.llmlb.engine.hf.HfTokenizer;
import dev.llmlb.testkit.models.EncoderRepoWriter;
import dev.llmlb.testkit.models.TinyBertConfig;
import dev.llmlb.testkit.models.TinyBertWeights;
import dev.llmlb.testkit.models.TinyWordPiece;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The generated encoders' tokenizer through DJL's tokenizers, and the Embedder's checks and batching around it. */
class EncoderTokenizationTest {

    @TempDir
    static Path dir;
    static HfTokenizer tokenizer;

    @BeforeAll
    static void load() {
        DjlRuntime.configure(Path.of(System.getProperty("user.home"), ".djl.ai"));
        Path repo = new EncoderRepoWriter(TinyBertWeights.generate(TinyBertConfig.tiny())).writeSafetensorsRepo(dir);
        tokenizer = HfTokenizer.load(repo);
    }

    @AfterAll
    static void close() {
        tokenizer.close();
    }

    @Test
    void tokenizerJsonAndThePlainJavaWordPieceAgree() {
        for (String text : List.of("hello world", "The cat sat on the mat.", "HELLO, Wörld!!", "42 cats; 7 dogs",
                "unknownword zzz", "日本 語", "  spaced\tout\nlines  ", "a-b_c", "dogs sat")) {
            int[] expected = TinyWordPiece.get().encode(text).stream().mapToInt(Integer::intValue).toArray();
            assertArrayEquals(expected, tokenizer.encode(text), text);
        }
    }

    /** A fake forward pass: each row's vector is {@code [length, first id]}; it counts its calls. */
    private static Embedder.BatchForward counting(AtomicInteger calls) {
        return (rows, positions) -> {
            calls.incrementAndGet();
            float[][] out = new float[rows.length][];
            for (int r = 0; r < rows.length; r++) {
                assertTrue(rows[r].length <= positions);
                out[r] = new float[] {rows[r].length, rows[r][0]};
            }
            return out;
        };
    }

    @Test
    void inputsAreCheckedBeforeAnythingRuns() {
        AtomicInteger calls = new AtomicInteger();
        Embedder embedder = new Embedder(tokenizer, new Embedder.Limits(8, TinyWordPiece.get().size(), 4, 64, false),
                counting(calls));
        InvalidInputException tooLong = assertThrows(InvalidInputException.class,
                () -> embedder.embed(EmbeddingRequest.ofTexts("hello", "hello ".repeat(7))));
        assertEquals("input[1]", tooLong.param());
        InvalidInputException unknown = assertThrows(InvalidInputException.class,
                () -> embedder.embed(new EmbeddingRequest(List.of(EmbeddingInput.Tokens.of(2, -1)))));
        assertEquals("input", unknown.param());
        assertEquals(0, calls.get());
    }

    @Test
    void resultsComeBackInInputOrderFromSideBySideBatches() {
        AtomicInteger calls = new AtomicInteger();
        ExecutorService workers = Executors.newFixedThreadPool(3);
        try {
            Embedder embedder = new Embedder(tokenizer, new Embedder.Limits(64, TinyWordPiece.get().size(), 32, 8192,
                    true), counting(calls), workers, 3);
            List<String> texts = List.of("hello", "hello world hello world", "the", "the cat sat on the mat",
                    "dog", "hello world", "a b c d e f g h i j k l m n o p");
            EmbeddingResult result = embedder.embed(EmbeddingRequest.ofTexts(texts));
            assertTrue(calls.get() >= 3, "at least one batch per worker: " + calls.get());
            for (int i = 0; i < texts.size(); i++) {
                int length = TinyWordPiece.get().encode(texts.get(i)).size();
                float[] v = result.embeddings().get(i).vector();
                assertEquals(length / Math.hypot(length, TinyWordPiece.CLS), v[0], 1e-6, texts.get(i));
            }
            assertTrue(result.normalized());
        } finally {
            workers.shutdownNow();
        }
    }

    @Test
    void aFailingBatchFailsTheRequestOnceAllHaveEnded() {
        ExecutorService workers = Executors.newFixedThreadPool(2);
        try {
            AtomicInteger calls = new AtomicInteger();
            Embedder embedder = new Embedder(tokenizer, new Embedder.Limits(64, TinyWordPiece.get().size(), 32, 8192,
                    false), (rows, positions) -> {
                        calls.incrementAndGet();
                        throw new IllegalStateException("native failure");
                    }, workers, 2);
            EngineException e = assertThrows(EngineException.class,
                    () -> embedder.embed(EmbeddingRequest.ofTexts("a", "b", "c", "d")));
            assertTrue(e.getMessage().contains("native failure"), e.getMessage());
            assertTrue(calls.get() >= 2);
        } finally {
            workers.shutdownNow();
        }
    }
}
