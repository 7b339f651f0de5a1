package dev.llmlb.testkit.source;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Writes a repository's file listing exactly as the hub answers
 * {@code GET /api/models/{repo}/tree/{revision}?recursive=true}: a JSON array of
 * {@code {"type","oid","size","path"}}, with {@code "lfs":{"oid","size","pointerSize"}} on files stored in LFS.
 * Not thread-safe; build it in one test.
 */
public final class HubTreeJson {

    private final List<String> entries = new ArrayList<>();

    /** A small file stored in git: its oid is a SHA-1, so it carries no SHA-256. */
    public HubTreeJson file(String path, long size) {
        entries.add("{\"type\":\"file\",\"oid\":\"" + sha1Hex("blob " + path) + "\",\"size\":" + size
                + ",\"path\":" + quote(path) + "}");
        return this;
    }

    /** A file stored in LFS with this content SHA-256. */
    public HubTreeJson lfs(String path, long size, String sha256) {
        entries.add("{\"type\":\"file\",\"oid\":\"" + sha1Hex("pointer " + path) + "\",\"size\":" + size
                + ",\"lfs\":{\"oid\":\"" + sha256 + "\",\"size\":" + size + ",\"pointerSize\":134},\"path\":"
                + quote(path) + "}");
        return this;
    }

    /** A file stored in LFS whose SHA-256 is {@link #sha256Of(String) sha256Of(path)}. */
    public HubTreeJson lfs(String path, long size) {
        return lfs(path, size, sha256Of(path));
    }

    /** A folder entry; the hub lists folders alongside files. */
    public HubTreeJson directory(String path) {
        entries.add("{\"type\":\"directory\",\"oid\":\"" + sha1Hex("tree " + path) + "\",\"size\":0,\"path\":"
                + quote(path) + "}");
        return this;
    }

    /** The listing as the hub sends it. */
    public String toJson() {
        return "[" + String.join(",", entries) + "]";
    }

    @Override
    public String toString() {
        return toJson();
    }

    /** A stable made-up content SHA-256 for a path, so tests can predict what the tree says. */
    public static String sha256Of(String path) {
        return digest("SHA-256", "content of " + path);
    }

    private static String sha1Hex(String text) {
        return digest("SHA-1", text);
    }

    private static String digest(String algorithm, String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance(algorithm)
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(algorithm + " is part of every JDK", e);
        }
    }

    /** A JSON string literal; escapes whatever a hostile path may hold. */
    static String quote(String text) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : text.toCharArray()) {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }
}
