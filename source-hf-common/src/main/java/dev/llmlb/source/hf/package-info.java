/**
 * Shared by the HuggingFace sources ({@code hf_gguf}, {@code hf_safetensors}, {@code hf_onnx}).
 *
 * <p>Each source reads {@code HF_ENDPOINT} and {@code HF_TOKEN} from the node's settings when it is created
 * ({@link HubAccess#from}); the token travels as a request header of the hub's own URLs only. A source reads the
 * repository's tree listing, every page of it, once per planning step ({@link RepoFiles#read}), asks it for
 * the files it needs ({@link RepoFiles#require}, {@link RepoFiles#optional}), and returns the ones not fetched
 * yet ({@link PlanSteps#fetchMissing}). Sizes and SHA-256 listed under {@code artifacts} in
 * {@code supported_models.json} are planned as written; when the tree disagrees with them planning fails at once
 * instead of after a download that could never verify. Every path that comes from the hub (tree listings,
 * safetensors indexes) passes the api's {@link dev.llmlb.api.source.SafePath} first, so a hostile listing cannot
 * point outside the model's folder.
 */
package dev.llmlb.source.hf;
