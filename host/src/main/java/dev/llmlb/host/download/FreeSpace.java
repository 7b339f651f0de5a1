package dev.llmlb.host.download;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** How many bytes may still be written under a folder; a seam so tests can simulate a full disk. */
@FunctionalInterface
public interface FreeSpace {

    long usableBytes(Path folder) throws IOException;

    /** What the file system says. */
    static FreeSpace fileStore() {
        return folder -> Files.getFileStore(folder).getUsableSpace();
    }
}
