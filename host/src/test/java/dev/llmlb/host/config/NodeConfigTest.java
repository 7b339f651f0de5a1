package dev.llmlb.host.config;

import org.junit.jupiter.api.Test;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NodeConfigTest {

    private static final Path HOME = Path.of("/home/u/.llmlb");

    private static NodeConfig read(Map<String, String> env, Map<String, String> dotEnv) {
        return NodeConfig.from(Settings.of(env, dotEnv), HOME, Optional.empty(), 16L << 30);
    }

    @Test
    void defaultsFollowTheUsersDocument() {
        NodeConfig config = read(Map.of(), Map.of());
        assertEquals(8080, config.port());
        assertEquals("127.0.0.1", config.bind());
        assertEquals(HOME.resolve("models"), config.modelsDir());
        assertEquals(HOME.resolve("models/.locks"), config.locksDir());
        assertEquals(HOME.resolve("supported_models.json"), config.catalogFile());
        assertEquals(Duration.ofMinutes(5), config.downloadTimeout());
        assertEquals(1, config.maxConcurrentDownloads());
        assertEquals(URI.create("https://huggingface.co"), config.hubEndpoint());
        assertTrue(config.usesDevelopmentKey());
        assertEquals(List.of("sk_debug"), config.acceptedKeys());
        assertFalse(config.offline());
    }

    @Test
    void environmentOverridesDotEnvWhichFillsTheRest() {
        NodeConfig config = read(Map.of("LLMLB_PORT", "9090", "HF_ENDPOINT", "http://mirror.local:8000/"),
                Map.of("LLMLB_PORT", "7070", "HF_TOKEN", "hf_fromdotenv", "LLMLB_API_KEYS", "k1, k2,,"));
        assertEquals(9090, config.port());
        assertEquals(URI.create("http://mirror.local:8000"), config.hubEndpoint());
        assertEquals(Optional.of("hf_fromdotenv"), config.hubToken());
        assertEquals(List.of("k1", "k2"), config.apiKeys());
        assertFalse(config.usesDevelopmentKey());
    }

    @Test
    void durationsAndSizesAcceptTheUsualShapes() {
        assertEquals(Duration.ofSeconds(90), read(Map.of("LLMLB_DOWNLOAD_TIMEOUT", "90"), Map.of()).downloadTimeout());
        assertEquals(Duration.ofMinutes(10), read(Map.of("LLMLB_DOWNLOAD_TIMEOUT", "10m"), Map.of()).downloadTimeout());
        assertEquals(Duration.ofMillis(250), read(Map.of("LLMLB_DOWNLOAD_TIMEOUT", "250ms"), Map.of()).downloadTimeout());
        assertEquals(Duration.ofMinutes(2), read(Map.of("LLMLB_DOWNLOAD_TIMEOUT", "PT2M"), Map.of()).downloadTimeout());
        assertEquals(8L << 30, read(Map.of("LLMLB_MEMORY_BUDGET", "8GiB"), Map.of()).memoryBudgetBytes());
        assertEquals(512L << 20, read(Map.of("LLMLB_MAX_BODY_BYTES", "512MB"), Map.of()).maxBodyBytes());
        assertTrue(read(Map.of("HF_HUB_OFFLINE", "1"), Map.of()).offline());
    }

    @Test
    void everyBadSettingIsReportedAtOnceByName() {
        ConfigException e = assertThrows(ConfigException.class, () -> read(Map.of(
                "LLMLB_PORT", "eighty", "LLMLB_DOWNLOAD_TIMEOUT", "soon", "HF_ENDPOINT", "ftp://x",
                "LLMLB_MAX_CONCURRENT_DOWNLOADS", "0"), Map.of()));
        assertEquals(4, e.problems().size(), e.problems().toString());
        assertTrue(e.problems().stream().anyMatch(p -> p.startsWith("LLMLB_PORT:")));
        assertTrue(e.problems().stream().anyMatch(p -> p.startsWith("LLMLB_DOWNLOAD_TIMEOUT:")));
        assertTrue(e.problems().stream().anyMatch(p -> p.startsWith("HF_ENDPOINT:")));
        assertTrue(e.problems().stream().anyMatch(p -> p.startsWith("LLMLB_MAX_CONCURRENT_DOWNLOADS:")));
    }

    @Test
    void secretsNeverShowInItsText() {
        NodeConfig config = read(Map.of("HF_TOKEN", "hf_secretvalue", "LLMLB_API_KEYS", "sk-one,sk-two"), Map.of());
        assertFalse(config.toString().contains("hf_secretvalue"), config.toString());
        assertFalse(config.toString().contains("sk-one"), config.toString());
    }

    @Test
    void homeComesFromTheEnvironmentOnly() {
        assertEquals(Path.of("/srv/llmlb"), NodeConfig.home(Map.of("LLMLB_HOME", "/srv/llmlb"), Path.of("/root")));
        assertEquals(Path.of("/root/.llmlb"), NodeConfig.home(Map.of(), Path.of("/root")));
    }
}
