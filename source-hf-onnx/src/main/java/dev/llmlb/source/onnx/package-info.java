/**
 * The {@code hf_onnx} source: an ONNX export (a text-generation decoder, or an encoder for feature extraction such as
 * a sentence-transformers model) laid out as Optimum and transformers.js export them, planned in one step.
 *
 * <h2>Layout rules</h2>
 * <ul>
 *   <li>The model file is the first {@code .onnx} file listed under {@code artifacts} (a variant such as
 *       {@code onnx/model_q4.onnx}); without one, {@code onnx/model.onnx} (transformers.js layout), else
 *       {@code model.onnx} at the root (Optimum layout).</li>
 *   <li>Its external data, when the repository has it, sits next to it and is named after it:
 *       {@code <model>.onnx_data}, {@code <model>.onnx.data}, and the further chunks
 *       {@code <model>.onnx_data_1}, {@code _2}, ... that exporters write for models over 2 GB.</li>
 *   <li>{@code config.json}, {@code tokenizer.json} and {@code tokenizer_config.json} are required at the root;
 *       {@code generation_config.json} and {@code special_tokens_map.json} are fetched when present, and so are a
 *       sentence-transformers repository's {@code modules.json}, {@code N_Pooling/config.json} and
 *       {@code sentence_bert_config.json}; every other listed artifact is fetched too. Other variants, formats and
 *       files never are.</li>
 *   <li>Files keep their repository paths, so the external data stays next to its graph where ONNX Runtime looks
 *       for it. {@code entry_file} names the model file; {@code architecture}, {@code model_type} and
 *       {@code torch_dtype} come from {@code config.json} when it has them.</li>
 * </ul>
 * A repository missing any required file fails before anything is fetched, with every missing file named.
 */
package dev.llmlb.source.onnx;
