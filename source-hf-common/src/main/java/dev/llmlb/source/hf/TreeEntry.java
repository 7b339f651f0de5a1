package dev.llmlb.source.hf;

import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One entry of the hub's tree listing, as the hub writes it.
 *
 * @param type {@code file} or {@code directory}
 * @param path the path inside the repository, {@code /}-separated
 * @param size the size in bytes (for LFS files the size of the real file)
 * @param oid  the git object id (for LFS files the id of the pointer, not of the content)
 * @param lfs  present for files stored in LFS: their SHA-256 and size
 */
public record TreeEntry(String type, String path, long size, String oid, Optional<Lfs> lfs) {

    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

    public TreeEntry {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(path, "path");
        oid = oid == null ? "" : oid;
        lfs = lfs == null ? Optional.empty() : lfs;
    }

    /**
     * The LFS part of an entry.
     *
     * @param oid  the SHA-256 of the file's content
     * @param size the file's size
     */
    public record Lfs(String oid, long size) {
        public Lfs {
            Objects.requireNonNull(oid, "oid");
        }
    }

    public boolean isFile() {
        return "file".equals(type);
    }

    /** The file's size: the LFS size when stored in LFS, the plain size otherwise. */
    public long sizeBytes() {
        return lfs.map(Lfs::size).filter(s -> s >= 0).orElse(size);
    }

    /** The content's SHA-256 when the hub gives it (LFS files only; the git oid of a small file is a SHA-1). */
    public Optional<String> sha256() {
        return lfs.map(l -> l.oid().toLowerCase(java.util.Locale.ROOT)).filter(s -> SHA256.matcher(s).matches());
    }

    /** The last segment of the path. */
    public String fileName() {
        return path.substring(path.lastIndexOf('/') + 1);
    }
}
