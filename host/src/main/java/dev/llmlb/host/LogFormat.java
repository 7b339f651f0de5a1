package dev.llmlb.host;

import dev.llmlb.host.http.RequestIds;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * One line per record, {@code 2026-11-26 10:15:30.123 [INFO] Download progress: 10% (87.6 MB / 876 MB)}, as the
 * user's document shows the node's log.
 */
public final class LogFormat extends Formatter {

    /** Loggers whose level is set here; JUL keeps loggers only weakly, and a collected one forgets its level. */
    private static final Logger NODE = Logger.getLogger("dev.llmlb");
    private static final Logger HELIDON = Logger.getLogger("io.helidon");

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS")
            .withZone(ZoneId.systemDefault());

    @Override
    public String format(LogRecord record) {
        StringBuilder line = new StringBuilder(128);
        line.append(TIME.format(Instant.ofEpochMilli(record.getMillis()))).append(" [")
                .append(levelName(record.getLevel())).append("] ").append(formatMessage(record));
        // Lines written while handling a request carry its id (also sent to the client as X-Request-Id).
        RequestIds.current().ifPresent(id -> line.append(" [").append(id).append(']'));
        if (record.getThrown() != null) {
            StringWriter trace = new StringWriter();
            record.getThrown().printStackTrace(new PrintWriter(trace));
            line.append(System.lineSeparator()).append(trace.toString().stripTrailing());
        }
        return line.append(System.lineSeparator()).toString();
    }

    private static String levelName(Level level) {
        if (level.intValue() >= Level.SEVERE.intValue()) {
            return "ERROR";
        }
        if (level.intValue() >= Level.WARNING.intValue()) {
            return "WARN";
        }
        if (level.intValue() >= Level.INFO.intValue()) {
            return "INFO";
        }
        return "DEBUG";
    }

    /**
     * Sends the root logger to the console in this format, unless the operator configured logging with
     * {@code java.util.logging.config.file}. {@code LLMLB_LOG_LEVEL} sets the node's own level.
     */
    public static void install(String level) {
        if (System.getProperty("java.util.logging.config.file") != null) {
            return;
        }
        Logger root = Logger.getLogger("");
        for (var handler : root.getHandlers()) {
            root.removeHandler(handler);
        }
        ConsoleHandler console = new ConsoleHandler();
        console.setFormatter(new LogFormat());
        console.setLevel(Level.ALL);
        root.addHandler(console);
        root.setLevel(Level.INFO);
        NODE.setLevel(parse(level));
        HELIDON.setLevel(Level.WARNING);
    }

    private static Level parse(String level) {
        return switch (level.toUpperCase(java.util.Locale.ROOT)) {
            case "DEBUG", "FINE" -> Level.FINE;
            case "WARN", "WARNING" -> Level.WARNING;
            case "ERROR", "SEVERE" -> Level.SEVERE;
            default -> Level.INFO;
        };
    }
}
