package dev.llmlb.source.hf;

import java.util.Optional;

/**
 * A file of a repository as the hub's tree listing shows it.
 *
 * @param sha256 the LFS object id when the file is stored in LFS
 */
public record TreeEntry(String path, long size, Optional<String> sha256) {

    /** The file's name without its folders. */
    public String fileName() {
        int slash = path.lastIndexOf('/');
        return slash < 0 ? path : path.substring(slash + 1);
    }

    /** The folder part of the path, {@code ""} at the top. */
    public String folder() {
        int slash = path.lastIndexOf('/');
        return slash < 0 ? "" : path.substring(0, slash);
    }
}
