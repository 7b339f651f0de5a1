package dev.llmlb.host.models;

import java.util.concurrent.CompletableFuture;

/**
 * A request waiting for a lease on a model: for its files, for room to load it, or for a free sequence. Tickets are
 * numbered in arrival order across the node, which is the order they are served in.
 *
 * @param seq    the arrival number
 * @param slot   the model asked for
 * @param lease  completed with the lease, or exceptionally with why the request cannot be served
 */
record Ticket(long seq, ModelSlot slot, CompletableFuture<Lease> lease) {

    Ticket(long seq, ModelSlot slot) {
        this(seq, slot, new CompletableFuture<>());
    }
}
