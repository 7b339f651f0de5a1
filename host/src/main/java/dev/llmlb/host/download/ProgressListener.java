package dev.llmlb.host.download;

/** Hears how far one file's transfer got; called at most every few hundred kilobytes. */
@FunctionalInterface
public interface ProgressListener {

    void onBytes(long bytesOfThisFileSoFar);
}
