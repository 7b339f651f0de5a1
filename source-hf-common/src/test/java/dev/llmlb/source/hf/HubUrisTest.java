package dev.llmlb.source.hf;

import org.junit.jupiter.api.Test;

import java.net.URI;

import static org.junit.jupiter.api.Assertions.assertEquals;

class HubUrisTest {

    private static final URI HUB = URI.create("https://huggingface.co");
    private static final RepoId REPO = RepoId.parse("bartowski/Llama-3.2-1B-Instruct-GGUF");

    @Test
    void buildsTheResolveUrlOfAFile() {
        assertEquals(URI.create("https://huggingface.co/bartowski/Llama-3.2-1B-Instruct-GGUF/resolve/main/"
                        + "Llama-3.2-1B-Instruct-Q4_K_M.gguf"),
                HubUris.resolve(HUB, REPO, "main", "Llama-3.2-1B-Instruct-Q4_K_M.gguf"));
    }

    @Test
    void encodesEachSegmentButKeepsTheSlashesOfTheFilePath() {
        URI uri = HubUris.resolve(HUB, REPO, "main", "sub dir/a+b#c?d%e/モデル.gguf");
        assertEquals("https://huggingface.co/bartowski/Llama-3.2-1B-Instruct-GGUF/resolve/main/"
                + "sub%20dir/a%2Bb%23c%3Fd%25e/%E3%83%A2%E3%83%87%E3%83%AB.gguf", uri.toString());
        assertEquals("sub dir/a+b#c?d%e/モデル.gguf",
                uri.getPath().substring("/bartowski/Llama-3.2-1B-Instruct-GGUF/resolve/main/".length()));
        assertEquals(null, uri.getRawQuery());
        assertEquals(null, uri.getRawFragment());
    }

    @Test
    void encodesTheRevisionAsOneSegment() {
        assertEquals("https://huggingface.co/bartowski/Llama-3.2-1B-Instruct-GGUF/resolve/refs%2Fpr%2F1/config.json",
                HubUris.resolve(HUB, REPO, "refs/pr/1", "config.json").toString());
    }

    @Test
    void buildsTheRecursiveTreeUrl() {
        assertEquals(URI.create("https://huggingface.co/api/models/bartowski/Llama-3.2-1B-Instruct-GGUF/tree/main"
                + "?recursive=true"), HubUris.tree(HUB, REPO, "main"));
        assertEquals("https://huggingface.co/api/models/bartowski/Llama-3.2-1B-Instruct-GGUF/tree/v1.0%2Bfix"
                + "?recursive=true", HubUris.tree(HUB, REPO, "v1.0+fix").toString());
    }

    @Test
    void keepsTheMirrorsPathPrefixAndDropsTrailingSlashes() {
        URI mirror = URI.create("http://127.0.0.1:8089/hf/");
        assertEquals("http://127.0.0.1:8089/hf/bartowski/Llama-3.2-1B-Instruct-GGUF/resolve/main/x.gguf",
                HubUris.resolve(mirror, REPO, "main", "x.gguf").toString());
        assertEquals("http://127.0.0.1:8089/hf/api/models/bartowski/Llama-3.2-1B-Instruct-GGUF/tree/main"
                + "?recursive=true", HubUris.tree(mirror, REPO, "main").toString());
    }
}
