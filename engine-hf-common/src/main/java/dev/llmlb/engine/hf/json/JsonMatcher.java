package dev.llmlb.engine.hf.json;

import com.fasterxml.jackson.databind.node.TextNode;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads JSON one character at a time against a {@link Schema}, keeping every way the text so far can still become a
 * valid value (several where {@code anyOf} or an enum leaves it open). A state is an immutable stack of frames, so
 * states are shared between branches and compare by value.
 *
 * <p>What it accepts: no whitespace outside strings except one optional space after {@code :} and {@code ,};
 * properties in schema order; numbers of at most 15 integer and 15 fraction digits and a 3-digit exponent (what a
 * double holds), so that a generation cannot run on in one number.
 */
final class JsonMatcher {

    private JsonMatcher() {
    }

    /** One frame: what is being read at this depth. */
    sealed interface Frame {
    }

    /** The whole value has been read: nothing more is accepted. */
    record End() implements Frame {
    }

    /** Expecting the first character of a value. */
    record Value(Schema schema) implements Frame {
    }

    record Obj(Schema.Obj schema, int next, int phase, String keyPrefix, int current) implements Frame {
        static final int OPEN = 0;
        static final int KEY = 1;
        static final int COLON = 2;
        static final int VALUE = 3;
        static final int VALUE_SPACED = 4;
        static final int AFTER_VALUE = 5;
        static final int COMMA = 6;
        static final int COMMA_SPACED = 7;

        Obj with(int newPhase) {
            return new Obj(schema, next, newPhase, keyPrefix, current);
        }
    }

    record Arr(Schema.Arr schema, int count, int phase) implements Frame {
        static final int OPEN = 0;
        static final int AFTER_VALUE = 1;
        static final int COMMA = 2;
        static final int COMMA_SPACED = 3;
    }

    /** Inside a string: {@code hex} is 0 in the body, -1 after a backslash, 1..4 for the digits of a u escape left. */
    record Str(int hex) implements Frame {
    }

    record Num(boolean integer, int phase, int digits) implements Frame {
        static final int MINUS = 0;
        static final int ZERO = 1;
        static final int INT = 2;
        static final int DOT = 3;
        static final int FRAC = 4;
        static final int E = 5;
        static final int E_SIGN = 6;
        static final int EXP = 7;
    }

    /** Part way through one of several literal texts. */
    record Lit(List<String> candidates, int position) implements Frame {
    }

    /** A stack of frames, the innermost on top. */
    record State(Frame top, State parent) {
    }

    private static final int MAX_DIGITS = 15;
    private static final int MAX_EXPONENT_DIGITS = 3;
    private static final Schema ANY = Schema.any();
    private static final State DONE = new State(new End(), null);

    /** The states before any text. */
    static Set<State> start(Schema schema) {
        return Set.of(new State(new Value(schema), DONE));
    }

    /** The states after one more character; empty when no valid value starts with the text. */
    static Set<State> step(Set<State> states, char c) {
        Set<State> out = new HashSet<>();
        for (State state : states) {
            step(state, c, out);
        }
        return out;
    }

    /** Whether the text read so far is a complete value. */
    static boolean complete(Set<State> states) {
        for (State state : states) {
            if (complete(state)) {
                return true;
            }
        }
        return false;
    }

    private static boolean complete(State state) {
        if (state.top() instanceof End) {
            return true;
        }
        return endable(state.top()) && complete(state.parent());
    }

    /** A frame that may end without a character of its own (a number, a literal that another extends). */
    private static boolean endable(Frame frame) {
        return switch (frame) {
            case Num n -> n.phase() == Num.ZERO || n.phase() == Num.INT || n.phase() == Num.FRAC
                    || n.phase() == Num.EXP;
            case Lit lit -> lit.candidates().stream().anyMatch(t -> t.length() == lit.position());
            default -> false;
        };
    }

    private static void step(State state, char c, Set<State> out) {
        Frame top = state.top();
        if (endable(top)) {
            step(state.parent(), c, out);
        }
        switch (top) {
            case End end -> {
            }
            case Value value -> startValue(value.schema(), state.parent(), c, out);
            case Obj obj -> object(obj, state.parent(), c, out);
            case Arr arr -> array(arr, state.parent(), c, out);
            case Str str -> string(str, state, c, out);
            case Num num -> number(num, state.parent(), c, out);
            case Lit lit -> {
                List<String> next = new ArrayList<>();
                for (String t : lit.candidates()) {
                    if (t.length() > lit.position() && t.charAt(lit.position()) == c) {
                        next.add(t);
                    }
                }
                if (!next.isEmpty()) {
                    out.add(new State(new Lit(List.copyOf(next), lit.position() + 1), state.parent()));
                }
            }
        }
    }

    private static void startValue(Schema schema, State parent, char c, Set<State> out) {
        switch (schema) {
            case Schema.AnyOf any -> any.alternatives().forEach(a -> startValue(a, parent, c, out));
            case Schema.AnyJson any -> startValue(ANY, parent, c, out);
            case Schema.Obj obj -> {
                if (c == '{') {
                    out.add(new State(new Obj(obj, 0, Obj.OPEN, "", -1), parent));
                }
            }
            case Schema.Arr arr -> {
                if (c == '[') {
                    out.add(new State(new Arr(arr, 0, Arr.OPEN), parent));
                }
            }
            case Schema.Str str -> {
                if (c == '"') {
                    out.add(new State(new Str(0), parent));
                }
            }
            case Schema.Num num -> {
                if (c == '-') {
                    out.add(new State(new Num(num.integer(), Num.MINUS, 0), parent));
                } else if (c == '0') {
                    out.add(new State(new Num(num.integer(), Num.ZERO, 1), parent));
                } else if (c >= '1' && c <= '9') {
                    out.add(new State(new Num(num.integer(), Num.INT, 1), parent));
                }
            }
            case Schema.Literals literals -> {
                List<String> next = literals.texts().stream().filter(t -> !t.isEmpty() && t.charAt(0) == c).toList();
                if (!next.isEmpty()) {
                    out.add(new State(new Lit(next, 1), parent));
                }
            }
        }
    }

    private static void object(Obj obj, State parent, char c, Set<State> out) {
        Schema.Obj schema = obj.schema();
        switch (obj.phase()) {
            case Obj.OPEN, Obj.COMMA_SPACED -> {
                if (c == '}' && obj.phase() == Obj.OPEN && closable(schema, obj.next())) {
                    out.add(parent);
                } else if (c == '"') {
                    startKey(obj, parent, out);
                }
            }
            case Obj.COMMA -> {
                if (c == ' ') {
                    out.add(new State(obj.with(Obj.COMMA_SPACED), parent));
                } else if (c == '"') {
                    startKey(obj, parent, out);
                }
            }
            case Obj.KEY -> {
                String prefix = obj.keyPrefix();
                for (int k : candidates(schema, obj.next())) {
                    String key = escaped(schema.keys().get(k));
                    if (c == '"' && key.equals(prefix)) {
                        out.add(new State(new Obj(schema, obj.next(), Obj.COLON, "", k), parent));
                    } else if (key.length() > prefix.length() && key.startsWith(prefix)
                            && key.charAt(prefix.length()) == c) {
                        out.add(new State(new Obj(schema, obj.next(), Obj.KEY, prefix + c, -1), parent));
                    }
                }
            }
            case Obj.COLON -> {
                if (c == ':') {
                    out.add(new State(obj.with(Obj.VALUE), parent));
                }
            }
            case Obj.VALUE, Obj.VALUE_SPACED -> {
                if (c == ' ' && obj.phase() == Obj.VALUE) {
                    out.add(new State(obj.with(Obj.VALUE_SPACED), parent));
                    return;
                }
                Schema value = schema.free() ? new Schema.AnyJson() : schema.values().get(obj.current());
                int next = schema.free() ? 0 : obj.current() + 1;
                State after = new State(new Obj(schema, next, Obj.AFTER_VALUE, "", -1), parent);
                startValue(value, after, c, out);
            }
            case Obj.AFTER_VALUE -> {
                if (c == ',' && (schema.free() || !candidates(schema, obj.next()).isEmpty())) {
                    out.add(new State(obj.with(Obj.COMMA), parent));
                } else if (c == '}' && closable(schema, obj.next())) {
                    out.add(parent);
                }
            }
            default -> throw new IllegalStateException("phase " + obj.phase());
        }
    }

    private static void startKey(Obj obj, State parent, Set<State> out) {
        Schema.Obj schema = obj.schema();
        if (schema.free()) {
            // The key is any string; then its colon.
            out.add(new State(new Str(0), new State(obj.with(Obj.COLON), parent)));
        } else if (!candidates(schema, obj.next()).isEmpty()) {
            out.add(new State(new Obj(schema, obj.next(), Obj.KEY, "", -1), parent));
        }
    }

    /** The properties that may come next: from {@code next} on, up to and including the first required one. */
    private static List<Integer> candidates(Schema.Obj schema, int next) {
        List<Integer> out = new ArrayList<>();
        for (int k = next; k < schema.keys().size(); k++) {
            out.add(k);
            if (schema.required().get(k)) {
                break;
            }
        }
        return out;
    }

    private static boolean closable(Schema.Obj schema, int next) {
        if (schema.free()) {
            return true;
        }
        for (int k = next; k < schema.keys().size(); k++) {
            if (schema.required().get(k)) {
                return false;
            }
        }
        return true;
    }

    /** A key as it appears between its quotes in JSON. */
    private static String escaped(String key) {
        String quoted = new TextNode(key).toString();
        return quoted.substring(1, quoted.length() - 1);
    }

    private static void array(Arr arr, State parent, char c, Set<State> out) {
        Schema.Arr schema = arr.schema();
        switch (arr.phase()) {
            case Arr.OPEN -> {
                if (c == ']') {
                    if (schema.min() == 0) {
                        out.add(parent);
                    }
                } else if (schema.max() > 0) {
                    item(arr, parent, c, out);
                }
            }
            case Arr.AFTER_VALUE -> {
                if (c == ',' && arr.count() < schema.max()) {
                    out.add(new State(new Arr(schema, arr.count(), Arr.COMMA), parent));
                } else if (c == ']' && arr.count() >= schema.min()) {
                    out.add(parent);
                }
            }
            case Arr.COMMA -> {
                if (c == ' ') {
                    out.add(new State(new Arr(schema, arr.count(), Arr.COMMA_SPACED), parent));
                } else {
                    item(arr, parent, c, out);
                }
            }
            case Arr.COMMA_SPACED -> item(arr, parent, c, out);
            default -> throw new IllegalStateException("phase " + arr.phase());
        }
    }

    private static void item(Arr arr, State parent, char c, Set<State> out) {
        State after = new State(new Arr(arr.schema(), arr.count() + 1, Arr.AFTER_VALUE), parent);
        startValue(arr.schema().items(), after, c, out);
    }

    private static void string(Str str, State state, char c, Set<State> out) {
        State parent = state.parent();
        if (str.hex() == 0) {
            if (c == '"') {
                out.add(parent);
            } else if (c == '\\') {
                out.add(new State(new Str(-1), parent));
            } else if (c >= 0x20) {
                out.add(state);
            }
        } else if (str.hex() < 0) {
            if ("\"\\/bfnrt".indexOf(c) >= 0) {
                out.add(new State(new Str(0), parent));
            } else if (c == 'u') {
                out.add(new State(new Str(4), parent));
            }
        } else if (Character.digit(c, 16) >= 0 && c < 0x80) {
            out.add(new State(new Str(str.hex() - 1), parent));
        }
    }

    private static void number(Num num, State parent, char c, Set<State> out) {
        boolean digit = c >= '0' && c <= '9';
        boolean integer = num.integer();
        int d = num.digits();
        Num next = switch (num.phase()) {
            case Num.MINUS -> c == '0' ? new Num(integer, Num.ZERO, 1)
                    : digit ? new Num(integer, Num.INT, 1) : null;
            case Num.ZERO, Num.INT -> {
                if (digit && num.phase() == Num.INT && d < MAX_DIGITS) {
                    yield new Num(integer, Num.INT, d + 1);
                }
                if (c == '.' && !integer) {
                    yield new Num(false, Num.DOT, 0);
                }
                yield (c == 'e' || c == 'E') && !integer ? new Num(false, Num.E, 0) : null;
            }
            case Num.DOT -> digit ? new Num(false, Num.FRAC, 1) : null;
            case Num.FRAC -> digit && d < MAX_DIGITS ? new Num(false, Num.FRAC, d + 1)
                    : (c == 'e' || c == 'E') ? new Num(false, Num.E, 0) : null;
            case Num.E -> c == '+' || c == '-' ? new Num(false, Num.E_SIGN, 0)
                    : digit ? new Num(false, Num.EXP, 1) : null;
            case Num.E_SIGN -> digit ? new Num(false, Num.EXP, 1) : null;
            case Num.EXP -> digit && d < MAX_EXPONENT_DIGITS ? new Num(false, Num.EXP, d + 1) : null;
            default -> null;
        };
        if (next != null) {
            out.add(new State(next, parent));
        }
    }
}
