package dev.llmlb.source.hf;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The small files a sentence-transformers repository adds beside the transformer's, which an engine needs to embed as
 * the repository intends: {@code modules.json} (the modules in order: Transformer, Pooling, Normalize),
 * the pooling module's {@code config.json} (in {@code 1_Pooling/} or another {@code N_Pooling/} folder), and
 * {@code sentence_bert_config.json} ({@code max_seq_length}). Other modules' folders (a {@code Dense} layer's weights)
 * are left out: engines refuse such models by the name {@code modules.json} gives.
 */
public final class SentenceTransformersFiles {

    public static final String MODULES = "modules.json";
    public static final String SENTENCE_BERT_CONFIG = "sentence_bert_config.json";
    private static final Pattern POOLING_CONFIG = Pattern.compile("\\d+_Pooling/config\\.json");

    private SentenceTransformersFiles() {
    }

    /** Those of the files the tree has, in a fixed order; empty for a repository that is not sentence-transformers'. */
    public static List<String> present(RepoTree tree) {
        List<String> paths = new ArrayList<>();
        if (!tree.contains(MODULES)) {
            return paths;
        }
        paths.add(MODULES);
        tree.files().stream().map(TreeEntry::path).filter(p -> POOLING_CONFIG.matcher(p).matches()).sorted()
                .forEach(paths::add);
        if (tree.contains(SENTENCE_BERT_CONFIG)) {
            paths.add(SENTENCE_BERT_CONFIG);
        }
        return paths;
    }
}
