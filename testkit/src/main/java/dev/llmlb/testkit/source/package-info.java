/**
 * Test doubles for source plugins: an in-memory {@link dev.llmlb.api.source.PlanningContext} and a writer of the
 * hub's tree listing, so a source's planning can be tested without a server.
 */
package dev.llmlb.testkit.source;
