package dev.llmlb.engine.hf.embed;

/** Vector arithmetic the embedding code shares. */
final class Vectors {

    private Vectors() {
    }

    /** Scales {@code v} in place to length 1 (a zero vector stays zero), in double precision as PyTorch's F32 does. */
    static void normalize(float[] v) {
        double sum = 0;
        for (float x : v) {
            sum += (double) x * x;
        }
        // torch.nn.functional.normalize divides by max(norm, 1e-12).
        double norm = Math.max(Math.sqrt(sum), 1e-12);
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (v[i] / norm);
        }
    }
}
