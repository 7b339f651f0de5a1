package dev.llmlb.api.engine;

import java.util.Objects;

/**
 * Constrains a generation to one JSON value that a JSON Schema accepts: at each step the engine lets the model choose
 * only tokens that keep the text a prefix of such a value, and ends the generation ({@code END_OF_SEQUENCE}) when
 * the value is complete. Only the end of {@code maxTokens} can leave the value unfinished.
 *
 * <p>Engines support this subset of JSON Schema, which the host checks before a request reaches them: {@code type}
 * (one name or a list), {@code properties}, {@code required}, {@code additionalProperties} ({@code false} or
 * {@code true}), {@code items}, {@code enum}, {@code const}, {@code anyOf}, {@code minItems} and {@code maxItems}, and
 * the annotations {@code title}, {@code description}, {@code default}, {@code examples} and {@code $schema}. Objects
 * are written with their properties in the order the schema lists them (required ones always, others when the model
 * chooses); no property outside {@code properties} is written. Text outside strings has no whitespace but one space
 * after {@code :} and {@code ,}.
 *
 * @param schema the JSON Schema as JSON text; {@code {}} accepts any JSON value
 * @param param  the request parameter the schema came from (e.g. {@code response_format}), for error messages
 */
public record JsonConstraint(String schema, String param) {

    public JsonConstraint {
        Objects.requireNonNull(schema, "schema");
        Objects.requireNonNull(param, "param");
    }
}
