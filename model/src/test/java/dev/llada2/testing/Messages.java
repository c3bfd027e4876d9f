package dev.llada2.testing;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Assertions on error messages: a specific error must name what is wrong. */
public final class Messages {

    private Messages() {
    }

    public static void assertContains(String message, String... parts) {
        for (String p : parts) {
            assertTrue(message != null && message.contains(p), "expected the message to contain \"" + p + "\" but it was: "
                    + message);
        }
    }
}
