/**
 * The {@code hf_gguf} source: GGUF files from a HuggingFace repository, in one planning step.
 *
 * <h2>Listed artifacts</h2>
 * Each listed file is planned with its listed size and SHA-256 (a contradicting tree fails planning). A listed
 * split file {@code X-0000k-of-0000N.gguf} brings all N parts of its set, the unlisted ones with the tree's size
 * and SHA-256. {@code entry_file} is the first part of the first listed file's set, or that file itself.
 *
 * <h2>No artifacts: choosing from the tree</h2>
 * Candidates are the repository's {@code .gguf} files, a split set counting as one candidate only when all its
 * parts are present; files whose name starts with {@code mmproj} (vision projectors, not language models) are not
 * candidates. The quantization is read from the file name, case-insensitively, as a token delimited by anything but
 * a letter or digit ({@code Llama-3.2-1B-Instruct-Q4_K_M.gguf}, {@code model.q4_k_m.gguf}). The first
 * quantization of {@link GgufChooser#PREFERENCE} present wins:
 * {@code Q4_K_M, Q4_K_S, Q5_K_M, Q5_K_S, Q4_0, Q6_K, Q8_0, F16, BF16, F32} (a balance of size and quality first,
 * then better quality at larger size, then unquantized). When none of these is present the smallest candidate (total
 * size of its parts) wins. Ties go to the smaller candidate, then to the lexicographically first path, so the same
 * tree always gives the same choice.
 */
package dev.llmlb.source.gguf;
