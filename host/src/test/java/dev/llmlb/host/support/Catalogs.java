package dev.llmlb.host.support;

import dev.llmlb.testkit.hub.Content;

import java.nio.charset.StandardCharsets;

/** Catalog entries for tests. */
public final class Catalogs {

    private Catalogs() {
    }

    /** An entry of source {@code test_files} whose single artifact holds {@code content}. */
    public static String scripted(String id, String repo, String file, byte[] content) {
        return "{\"id\":\"" + id + "\",\"name\":\"" + id + "\",\"source\":\"test_files\",\"repo_id\":\"" + repo
                + "\",\"artifacts\":[{\"filename\":\"" + file + "\",\"size_bytes\":" + content.length
                + "}],\"required_vram_mb\":0,\"tags\":[\"test\"]}";
    }

    public static String scripted(String id, String repo, String file, String content) {
        return scripted(id, repo, file, content.getBytes(StandardCharsets.UTF_8));
    }

    public static String of(String... entries) {
        return "{\"models\":[" + String.join(",", entries) + "]}";
    }

    public static String sha256(byte[] content) {
        return Content.of(content).sha256();
    }
}
