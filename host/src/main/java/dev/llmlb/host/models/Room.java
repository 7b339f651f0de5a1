package dev.llmlb.host.models;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The node's room for models: how many are in memory or on their way in or out ({@code LLMLB_MAX_LOADED_MODELS}),
 * and how many bytes they hold or have reserved ({@code LLMLB_MEMORY_BUDGET}). A model counts from the moment room
 * is reserved for it until its engine has closed it. Guarded by the lifecycle's lock.
 */
final class Room {

    private final int maxModels;
    private final long budgetBytes;
    private int models;
    private long usedBytes;

    Room(int maxModels, long budgetBytes) {
        this.maxModels = maxModels;
        this.budgetBytes = budgetBytes;
    }

    /** Whether a model of this size could be loaded if nothing else were in memory. */
    boolean couldEverFit(long bytes) {
        return bytes <= budgetBytes;
    }

    boolean fits(long bytes) {
        return models + 1 <= maxModels && usedBytes + bytes <= budgetBytes;
    }

    void reserve(long bytes) {
        models++;
        usedBytes += bytes;
    }

    /** A load ended with the model reporting its own size. */
    void settle(long reservedBytes, long actualBytes) {
        usedBytes += actualBytes - reservedBytes;
    }

    /** A model left memory, or a reserved load failed. */
    void free(long bytes) {
        models--;
        usedBytes -= bytes;
    }

    int models() {
        return models;
    }

    long usedBytes() {
        return usedBytes;
    }

    long budgetBytes() {
        return budgetBytes;
    }

    /** A loaded model that could make way, with what it holds. */
    record Candidate(ModelSlot slot, long bytes) {
    }

    /**
     * The fewest of {@code candidates}, taken in their order (least recently used first), whose leaving makes room
     * for a model of {@code bytes}; empty when even all of them leaving would not, because of loads and unloads
     * under way.
     */
    Optional<List<Candidate>> toMakeRoomFor(long bytes, List<Candidate> candidates) {
        List<Candidate> chosen = new ArrayList<>();
        int count = models;
        long used = usedBytes;
        for (Candidate candidate : candidates) {
            if (count + 1 <= maxModels && used + bytes <= budgetBytes) {
                break;
            }
            chosen.add(candidate);
            count--;
            used -= candidate.bytes();
        }
        return count + 1 <= maxModels && used + bytes <= budgetBytes ? Optional.of(chosen) : Optional.empty();
    }
}
