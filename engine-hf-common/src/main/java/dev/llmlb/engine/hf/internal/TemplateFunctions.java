package dev.llmlb.engine.hf.internal;

import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * The functions transformers offers chat templates beyond Jinja's own, called by Jinjava through reflection. Not
 * part of this module's API.
 */
public final class TemplateFunctions {

    private TemplateFunctions() {
    }

    /** {@code raise_exception(message)}: a template's way of refusing a conversation. */
    public static String raiseException(String message) {
        throw new TemplateRaisedException(message);
    }

    /** {@code strftime_now(format)}: today's date, for templates that write it into the system prompt. */
    public static String strftimeNow(String format) {
        LocalDate today = LocalDate.now();
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < format.length(); i++) {
            char c = format.charAt(i);
            if (c != '%' || i + 1 == format.length()) {
                out.append(c);
                continue;
            }
            char spec = format.charAt(++i);
            String pattern = switch (spec) {
                case 'd' -> "dd";
                case 'm' -> "MM";
                case 'Y' -> "yyyy";
                case 'y' -> "yy";
                case 'b' -> "MMM";
                case 'B' -> "MMMM";
                case 'a' -> "EEE";
                case 'A' -> "EEEE";
                default -> null;
            };
            out.append(pattern == null ? "%" + spec
                    : today.format(DateTimeFormatter.ofPattern(pattern, Locale.ENGLISH)));
        }
        return out.toString();
    }

    /** What {@code raise_exception} throws; carries the template's own message. */
    public static final class TemplateRaisedException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        TemplateRaisedException(String message) {
            super(message);
        }
    }
}
