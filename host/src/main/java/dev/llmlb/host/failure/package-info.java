/**
 * How the node says what went wrong: {@link dev.llmlb.host.failure.Failure}, a kind with a code, a message and a
 * retry hint, and the one translation from exceptions (the node's and plugins') into it. Depends on the api only;
 * the HTTP layer alone turns a failure into a status.
 */
package dev.llmlb.host.failure;
