package dev.llmlb.host.support;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/** Collects the node's log lines ({@code [LEVEL] message}) while a test runs. */
public final class LogCapture extends Handler implements AutoCloseable {

    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final SimpleFormatter formatter = new SimpleFormatter();
    private final Logger root = Logger.getLogger("");

    public LogCapture() {
        setLevel(Level.ALL);
        root.addHandler(this);
    }

    @Override
    public void publish(LogRecord record) {
        lines.add("[" + record.getLevel().getName() + "] " + formatter.formatMessage(record));
    }

    public List<String> lines() {
        return List.copyOf(lines);
    }

    /** The lines that contain {@code part}, in order. */
    public List<String> matching(String part) {
        return lines.stream().filter(l -> l.contains(part)).toList();
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
        root.removeHandler(this);
    }
}
