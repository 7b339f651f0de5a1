/**
 * The {@code hf_safetensors} source: a HuggingFace transformers repository with safetensors weights.
 *
 * <p>Step 1 fetches {@code config.json}, {@code generation_config.json} when present, {@code tokenizer.json},
 * {@code tokenizer_config.json}, {@code special_tokens_map.json} when present, a sentence-transformers repository's
 * {@code modules.json}, {@code N_Pooling/config.json} and {@code sentence_bert_config.json} when present (how an
 * embedding model pools, normalises and bounds its inputs), the weights
 * ({@code model.safetensors}, or when the repository has none {@code model.safetensors.index.json}, the order
 * transformers itself tries), and every file listed under {@code artifacts}. When the weights are sharded, step 2
 * fetches every shard the index's {@code weight_map} names, once each. Then the plan completes with the
 * {@code architecture} ({@code architectures[0]}), {@code model_type} and {@code torch_dtype} of
 * {@code config.json}, whichever it has: the engines, not this source, decide whether they can run it.
 *
 * <p>A repository missing any required file fails before anything is fetched, with every missing file named.
 */
package dev.llmlb.source.safetensors;
