package dev.llmlb.host.openai;

import dev.llmlb.api.engine.SamplingParams;

/** The sampling fields chat and text completions share. */
final class SamplingFields {

    private SamplingFields() {
    }

    static SamplingParams read(Fields fields) {
        double temperature = fields.number("temperature", 0, 2).orElse(1.0);
        double topP = fields.number("top_p", 0, 1).orElse(1.0);
        if (topP == 0) {
            topP = Double.MIN_VALUE;
        }
        double presence = fields.number("presence_penalty", -2, 2).orElse(0);
        double frequency = fields.number("frequency_penalty", -2, 2).orElse(0);
        return new SamplingParams(temperature, topP, fields.longInteger("seed"), presence, frequency,
                fields.logitBias());
    }
}
