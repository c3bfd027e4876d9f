package dev.llada2.golden;

/** A decode result differs from a golden case; the message names the case, the forward and the field. */
public final class GoldenMismatch extends RuntimeException {

    GoldenMismatch(String message) {
        super(message);
    }
}
