package dev.llmlb.testkit.models;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The reference's own building blocks against published values. */
class TinyBertReferenceTest {

    @Test
    void erfMatchesTabulatedValues() {
        assertEquals(0.0, TinyBertReference.erf(0), 1e-15);
        assertEquals(0.5204998778130465, TinyBertReference.erf(0.5), 1e-14);
        assertEquals(0.8427007929497149, TinyBertReference.erf(1), 1e-14);
        assertEquals(-0.9661051464753108, TinyBertReference.erf(-1.5), 1e-14);
        assertEquals(0.9953222650189527, TinyBertReference.erf(2), 1e-14);
        assertEquals(0.9999779095030014, TinyBertReference.erf(3), 1e-14);
        assertEquals(1.0, TinyBertReference.erf(7), 1e-15);
    }

    /** transformers' MPNet buckets: 16 per direction, exact below 8, logarithmic up to 128, the far end capped. */
    @Test
    void mpnetBucketsAsTransformersComputesThem() {
        assertEquals(0, TinyBertReference.relativeBucket(0));
        assertEquals(1, TinyBertReference.relativeBucket(-1));
        assertEquals(17, TinyBertReference.relativeBucket(1));
        assertEquals(8, TinyBertReference.relativeBucket(-8));
        assertEquals(10, TinyBertReference.relativeBucket(-20));
        assertEquals(26, TinyBertReference.relativeBucket(20));
        assertEquals(15, TinyBertReference.relativeBucket(-127));
        assertEquals(15, TinyBertReference.relativeBucket(-1000));
        assertEquals(31, TinyBertReference.relativeBucket(1000));
    }

    @Test
    void theWordPieceTokenizerSplitsAsBertDoes() {
        TinyWordPiece vocab = TinyWordPiece.get();
        assertEquals(java.util.List.of(TinyWordPiece.CLS, TinyWordPiece.SEP), vocab.encode("   "));
        java.util.List<Integer> cats = vocab.encode("Cats!");
        assertEquals(5, cats.size(), "[CLS] cat ##s ! [SEP]: " + cats);
        assertEquals(java.util.List.of(TinyWordPiece.CLS, TinyWordPiece.UNK, TinyWordPiece.SEP), vocab.encode("日"));
    }
}
