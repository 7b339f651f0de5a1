package dev.llmlb.api.source;

import org.junit.jupiter.api.Test;

import java.net.URI;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RemoteFileTest {

    private static final URI URI_OK = URI.create("https://mirror.test/models/a.gguf");

    @Test
    void onlyHttpAndHttpsUrisWithAHost() {
        for (String uri : new String[] {"file:///etc/passwd", "ftp://host/a", "/relative/a", "https:///nohost",
                "jar:file:/x!/y"}) {
            assertThrows(IllegalArgumentException.class,
                    () -> new RemoteFile("a", URI.create(uri), 1, Optional.empty()), uri);
        }
        assertEquals("http", new RemoteFile("a", URI.create("http://h/a"), 1, Optional.empty()).uri().getScheme());
    }

    @Test
    void headersAreCheckedAndTheirValuesNeverShown() {
        RemoteFile file = new RemoteFile("a.gguf", URI_OK, 10, Optional.empty(),
                Map.of("Authorization", "Bearer secret-token", "X-Mirror-Key", "k"));
        assertFalse(file.toString().contains("secret-token"), file.toString());
        assertTrue(file.toString().contains("Authorization"), file.toString());
        assertEquals(file.headers(), file.withSize(11).headers());
        assertThrows(IllegalArgumentException.class,
                () -> new RemoteFile("a", URI_OK, 1, Optional.empty(), Map.of("Range", "bytes=0-")));
        assertThrows(IllegalArgumentException.class,
                () -> new RemoteFile("a", URI_OK, 1, Optional.empty(), Map.of("host", "evil")));
        assertThrows(IllegalArgumentException.class,
                () -> new RemoteFile("a", URI_OK, 1, Optional.empty(), Map.of("X-A", "v\r\nInjected: 1")));
        assertThrows(IllegalArgumentException.class,
                () -> new RemoteFile("a", URI_OK, 1, Optional.empty(), Map.of("Bad Name", "v")));
        IllegalArgumentException twice = assertThrows(IllegalArgumentException.class,
                () -> new RemoteFile("a", URI_OK, 1, Optional.empty(), Map.of("X-Key", "1", "x-key", "2")));
        assertEquals("header X-Key is given twice", twice.getMessage().replace("x-key", "X-Key"));
    }

    @Test
    void aSha256IsSixtyFourHexDigits() {
        assertEquals(Optional.of("ab".repeat(32)),
                new RemoteFile("a", URI_OK, 1, Optional.of("AB".repeat(32))).sha256());
        assertThrows(IllegalArgumentException.class, () -> new RemoteFile("a", URI_OK, 1, Optional.of("abc")));
    }
}
