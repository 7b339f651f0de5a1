package dev.llmlb.host.resolve;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ProgressLogTest {

    @Test
    void sizesReadAsTheUsersDocumentShowsThem() {
        assertEquals("87.6 MB", ProgressLog.megabytes(87_600_000));
        assertEquals("876 MB", ProgressLog.megabytes(876_000_000));
        assertEquals("0.1 MB", ProgressLog.megabytes(100_000));
    }

    @Test
    void smallFilesReadInKilobytesRatherThanZeroMegabytes() {
        assertEquals("12.3 kB", ProgressLog.megabytes(12_345));
        assertEquals("0 kB", ProgressLog.megabytes(0));
        assertEquals("99.9 kB", ProgressLog.megabytes(99_900));
    }
}
