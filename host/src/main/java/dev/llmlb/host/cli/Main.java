package dev.llmlb.host.cli;

import dev.llmlb.host.LogFormat;
import dev.llmlb.host.Node;
import dev.llmlb.host.NodeOptions;
import dev.llmlb.host.config.ConfigException;

import java.lang.System.Logger.Level;

/** Starts the node: {@code llmlb-node [serve]}. */
public final class Main {

    private static final System.Logger LOG = System.getLogger(Main.class.getName());

    private Main() {
    }

    /** What stops a start, as few lines as it takes: one for one problem, a list for several; no stack trace. */
    public static void printProblems(ConfigException e) {
        if (e.problems().size() == 1) {
            System.err.println("llmlb-node cannot start: " + e.problems().get(0));
            return;
        }
        System.err.println("llmlb-node cannot start; fix these settings first:");
        e.problems().forEach(p -> System.err.println("  - " + p));
    }

    public static void main(String[] args) {
        boolean serve = args.length == 0 || args[0].equals("serve");
        // Commands print their own output; only warnings of the machinery underneath belong on their console.
        LogFormat.install(serve ? System.getenv().getOrDefault("LLMLB_LOG_LEVEL", "INFO") : "WARN");
        if (!serve) {
            int code = Cli.run(args, NodeOptions.fromProcess(), System.out, System.err, System.console() != null);
            System.out.flush();
            // Engines may leave native threads behind; a command is done when it says so.
            Runtime.getRuntime().halt(code);
        }
        NodeOptions options = NodeOptions.fromProcess();
        Node node;
        try {
            node = Node.start(options);
        } catch (ConfigException e) {
            printProblems(e);
            System.exit(2);
            return;
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "llmlb-node cannot start: " + e.getMessage(), e);
            System.exit(1);
            return;
        }
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("shutdown").unstarted(() -> {
            node.drainAndStop(node.config().shutdownGrace());
            // A drained node has nothing left to do: report a clean stop (0, not 143) to the supervisor, and do not
            // wait for native threads of engines, which never end on their own.
            System.out.flush();
            System.err.flush();
            Runtime.getRuntime().halt(0);
        }));
    }
}
