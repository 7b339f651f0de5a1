package dev.llmlb.host;

/** Starts the node. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        System.out.println("llmlb-node");
    }
}
