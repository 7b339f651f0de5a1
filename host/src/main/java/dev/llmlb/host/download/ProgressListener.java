package dev.llmlb.host.download;

/**
 * Hears how far one file's transfer got: its bytes on disk so far, growing, every few hundred kilobytes or half
 * second.
 * Calls may come from the transfer's several connections, but never two at once.
 */
@FunctionalInterface
public interface ProgressListener {

    void onBytes(long bytesOfThisFileSoFar);
}
