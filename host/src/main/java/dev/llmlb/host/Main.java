package dev.llmlb.host;

import dev.llmlb.host.config.ConfigException;

import java.lang.System.Logger.Level;

/** Starts the node: {@code llmlb-node [serve]}. */
public final class Main {

    private static final System.Logger LOG = System.getLogger(Main.class.getName());

    private Main() {
    }

    public static void main(String[] args) {
        LogFormat.install(System.getenv().getOrDefault("LLMLB_LOG_LEVEL", "INFO"));
        if (args.length > 0 && !args[0].equals("serve")) {
            if (args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help")) {
                System.out.println("Usage: llmlb-node [serve]");
                System.out.println("Starts the node. Settings come from the environment and ~/.llmlb/.env;");
                System.out.println("see the README for the list.");
                return;
            }
            System.err.println("llmlb-node: unknown command '" + args[0] + "'; try --help");
            System.exit(64);
        }
        NodeOptions options = NodeOptions.fromProcess();
        Node node;
        try {
            node = Node.start(options);
        } catch (ConfigException e) {
            System.err.println("llmlb-node cannot start; fix these settings first:");
            e.problems().forEach(p -> System.err.println("  - " + p));
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
