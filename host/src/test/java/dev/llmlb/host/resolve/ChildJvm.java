package dev.llmlb.host.resolve;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Another process on the same models folder: {@link ChildMain} in a JVM started with this test JVM's own module
 * path, patches and class path, so it runs the real node code. Its standard output comes back line by line; its
 * log goes to a file.
 */
final class ChildJvm implements AutoCloseable {

    private final Process process;
    private final Path log;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

    private ChildJvm(Process process, Path log) {
        this.process = process;
        this.log = log;
        Thread.ofPlatform().daemon(true).start(() -> {
            try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line; (line = out.readLine()) != null; ) {
                    lines.add(line);
                }
            } catch (IOException e) {
                // the child is gone
            }
        });
    }

    /** Starts {@code ChildMain args...}, its log in {@code log}. */
    static ChildJvm start(Path log, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add("-m");
        command.add("dev.llmlb.host/" + ChildMain.class.getName());
        command.addAll(List.of(args));
        return new ChildJvm(new ProcessBuilder(command).redirectError(log.toFile()).start(), log);
    }

    long pid() {
        return process.pid();
    }

    /** The first line of output that matches, waiting at most {@code limit}. */
    String awaitLine(Predicate<String> matches, Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        List<String> others = new ArrayList<>();
        while (true) {
            String line = lines.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (line == null) {
                throw new AssertionError("the child printed no matching line in " + limit + " (alive: "
                        + process.isAlive() + "); it printed " + others.subList(Math.max(0, others.size() - 20),
                        others.size()) + "; the end of its log:\n" + logTail());
            }
            if (matches.test(line)) {
                return line;
            }
            others.add(line);
        }
    }

    private String logTail() {
        try {
            String text = Files.readString(log);
            return text.substring(Math.max(0, text.length() - 4000));
        } catch (IOException e) {
            return "(unreadable: " + e.getMessage() + ")";
        }
    }

    /** Sends a signal, e.g. {@code STOP} or {@code CONT}. */
    void signal(String name) throws IOException, InterruptedException {
        int status = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).start().waitFor();
        if (status != 0) {
            throw new AssertionError("kill -" + name + " failed with " + status);
        }
    }

    /** {@code kill -9}. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    /** Closes the child's standard input: the signal for commands that wait for it. */
    void closeInput() throws IOException {
        OutputStream in = process.getOutputStream();
        in.close();
    }

    int waitFor(Duration limit) throws InterruptedException {
        if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("the child did not end in " + limit);
        }
        return process.exitValue();
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
        }
    }
}
