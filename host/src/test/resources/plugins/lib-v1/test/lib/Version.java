package test.lib;

public final class Version {
    public static String value() {
        return "1";
    }
}
