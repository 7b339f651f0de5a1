package dev.llmlb.testkit.hub;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The bytes of a file in a fake repository: in memory for small files, on disk for large ones (never loaded
 * whole), with the checksums the hub publishes.
 */
public final class Content {

    private final byte[] bytes;
    private final Path file;
    private final long size;
    private final String sha256;
    private final String gitSha1;

    private Content(byte[] bytes, Path file, long size, String sha256, String gitSha1) {
        this.bytes = bytes;
        this.file = file;
        this.size = size;
        this.sha256 = sha256;
        this.gitSha1 = gitSha1;
    }

    public static Content of(byte[] bytes) {
        return new Content(bytes.clone(), null, bytes.length, hex(digest("SHA-256", bytes)), gitBlobSha1(bytes));
    }

    /** A file on disk; its SHA-256 is computed once, here. */
    public static Content of(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest sha = messageDigest("SHA-256");
            byte[] buffer = new byte[1 << 20];
            int n;
            while ((n = in.read(buffer)) > 0) {
                sha.update(buffer, 0, n);
            }
            long size = Files.size(file);
            return new Content(null, file, size, hex(sha.digest()), hex(digest("SHA-1",
                    ("blob " + size + "\0").getBytes())));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public long size() {
        return size;
    }

    /** The SHA-256 of the content: the LFS oid and the hub's {@code X-Linked-Etag}. */
    public String sha256() {
        return sha256;
    }

    /** The git blob SHA-1: the {@code ETag} of a small file. */
    public String gitSha1() {
        return gitSha1;
    }

    /** The content from {@code offset} on. */
    InputStream open(long offset) throws IOException {
        if (bytes != null) {
            InputStream in = new java.io.ByteArrayInputStream(bytes);
            in.skipNBytes(offset);
            return in;
        }
        FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
        channel.position(offset);
        return Channels.newInputStream(channel);
    }

    private static String gitBlobSha1(byte[] bytes) {
        MessageDigest sha1 = messageDigest("SHA-1");
        sha1.update(("blob " + bytes.length + "\0").getBytes());
        sha1.update(bytes);
        return hex(sha1.digest());
    }

    private static byte[] digest(String algorithm, byte[] bytes) {
        return messageDigest(algorithm).digest(bytes);
    }

    private static MessageDigest messageDigest(String algorithm) {
        try {
            return MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String hex(byte[] digest) {
        return HexFormat.of().formatHex(digest);
    }
}
