package dev.llmlb.host.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class EnvFileTest {

    @Test
    void readsTheShapesDotenvFilesComeIn() {
        Map<String, String> values = EnvFile.parse(List.of(
                "# a comment", "", "HF_TOKEN=hf_xxxxxxxxxxxxxxxxxxxx", "export LLMLB_PORT=9000",
                "QUOTED=\"a b\"", "SINGLE='c d'", "TRAILING=value # note", "not a setting"));
        assertEquals(Map.of("HF_TOKEN", "hf_xxxxxxxxxxxxxxxxxxxx", "LLMLB_PORT", "9000", "QUOTED", "a b",
                "SINGLE", "c d", "TRAILING", "value"), values);
    }

    @Test
    void aMissingFileIsEmpty(@TempDir Path dir) {
        assertEquals(Map.of(), EnvFile.read(dir.resolve(".env")));
    }

    @Test
    void theUsersDocumentsEchoAppendWorks(@TempDir Path dir) throws Exception {
        // echo "HF_TOKEN=hf_xxxxxxxxxxxxxxxxxxxx" >> ~/.llmlb/.env
        Files.writeString(dir.resolve(".env"), "HF_TOKEN=hf_xxxxxxxxxxxxxxxxxxxx\n");
        assertEquals("hf_xxxxxxxxxxxxxxxxxxxx", EnvFile.read(dir.resolve(".env")).get("HF_TOKEN"));
    }
}
