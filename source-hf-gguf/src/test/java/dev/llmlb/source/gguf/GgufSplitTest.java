package dev.llmlb.source.gguf;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

class GgufSplitTest {

    @Test
    void readsLlamaCppSplitNames() {
        GgufSplit split = GgufSplit.parse("dir/Model-Q4_K_M-00002-of-00003.gguf").orElseThrow();

        assertEquals(2, split.part());
        assertEquals(3, split.count());
        assertEquals("dir/Model-Q4_K_M-00001-of-00003.gguf", split.firstPart());
        assertEquals(List.of("dir/Model-Q4_K_M-00001-of-00003.gguf", "dir/Model-Q4_K_M-00002-of-00003.gguf",
                "dir/Model-Q4_K_M-00003-of-00003.gguf"), split.allParts());
    }

    @Test
    void keepsTheNumberWidthAndExtensionCaseAsWritten() {
        assertEquals(List.of("m-001-of-002.GGUF", "m-002-of-002.GGUF"),
                GgufSplit.parse("m-001-of-002.GGUF").orElseThrow().allParts());
    }

    @Test
    void singleFilesAndImpossibleNumbersAreNotSplits() {
        assertEquals(Optional.empty(), GgufSplit.parse("Llama-3.2-1B-Instruct-Q4_K_M.gguf"));
        assertEquals(Optional.empty(), GgufSplit.parse("m-00004-of-00003.gguf"));
        assertEquals(Optional.empty(), GgufSplit.parse("m-00000-of-00003.gguf"));
        assertEquals(Optional.empty(), GgufSplit.parse("m-1-of-00003.gguf"));
        assertEquals(Optional.empty(), GgufSplit.parse("m-00001-of-00002.gguf.part"));
    }
}
