package dev.llmlb.host.openai;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ToolCallFormatTest {

    private static final ToolCallSchema.Call PARIS = new ToolCallSchema.Call("get_weather", "{\"city\":\"Paris\"}");

    @Test
    void theFormatIsReadFromTheTemplate() {
        assertEquals(ToolCallFormat.HERMES, ToolCallFormat.of(Optional.of("{{ '<tool_call>' }}")));
        assertEquals(ToolCallFormat.MISTRAL, ToolCallFormat.of(Optional.of("{{ '[TOOL_CALLS]' }}")));
        assertEquals(ToolCallFormat.LLAMA3, ToolCallFormat.of(Optional.of(
                "{{- '<|start_header_id|>' }}{% if tools %}{\"name\": ..., \"parameters\": ...}{% endif %}")));
        assertEquals(ToolCallFormat.HERMES, ToolCallFormat.of(Optional.empty()));
    }

    @Test
    void hermesCallsAreFoundAfterText() {
        var parsed = ToolCallFormat.HERMES.parse("Sure.\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": "
                + "{\"city\": \"Paris\"}}\n</tool_call>");
        assertEquals("Sure.", parsed.content());
        assertEquals(List.of(PARIS), parsed.calls());
    }

    @Test
    void mistralCallsAreAnArrayAfterTheirMarker() {
        var parsed = ToolCallFormat.MISTRAL.parse("[TOOL_CALLS] [{\"name\": \"get_weather\", \"arguments\": "
                + "{\"city\": \"Paris\"}}, {\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}]");
        assertEquals(List.of(PARIS, PARIS), parsed.calls());
        assertEquals("", parsed.content());
    }

    @Test
    void llama3CallsAreTheWholeAnswerWithParameters() {
        assertEquals(List.of(PARIS), ToolCallFormat.LLAMA3.parse("<|python_tag|>{\"name\": \"get_weather\", "
                + "\"parameters\": {\"city\": \"Paris\"}}").calls());
        assertEquals(List.of(PARIS, PARIS), ToolCallFormat.LLAMA3.parse("{\"name\": \"get_weather\", \"parameters\": "
                + "{\"city\": \"Paris\"}}; {\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\"}}").calls());
    }

    @Test
    void textThatIsNotAWellFormedCallStaysContent() {
        String broken = "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \n</tool_call>";
        assertEquals(new ToolCallFormat.Parsed(broken, List.of()), ToolCallFormat.HERMES.parse(broken));
        assertEquals(List.of(), ToolCallFormat.LLAMA3.parse("{\"answer\": 42}").calls());
        assertEquals(List.of(), ToolCallFormat.HERMES.parse("Just text.").calls());
    }

    @Test
    void aStreamHoldsBackOnlyWhatMayStartACall() {
        assertEquals(5, ToolCallFormat.HERMES.streamable("Hello<tool"));
        assertEquals(12, ToolCallFormat.HERMES.streamable("Hello <tool!"));
        assertEquals(6, ToolCallFormat.HERMES.streamable("Hello <tool_call>{\"na"));
        assertEquals(0, ToolCallFormat.LLAMA3.streamable(" {\"name\""));
        assertEquals(5, ToolCallFormat.LLAMA3.streamable("Hello"));
    }

    @Test
    void requiredOutputIsOneCallOrAnArrayOfThem() {
        assertEquals(Optional.of(List.of(PARIS)), ToolCallSchema.readRequired(
                "{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}"));
        assertEquals(Optional.of(List.of(PARIS, PARIS)), ToolCallSchema.readRequired(
                "[{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}},"
                        + "{\"name\":\"get_weather\",\"arguments\":{\"city\":\"Paris\"}}]"));
        assertEquals(Optional.empty(), ToolCallSchema.readRequired("[{\"name\": \"get_weather\", \"argu"));
    }
}
