package dev.llada2.profiles.fit;

import java.util.Locale;

/** Byte counts for people: decimal units (1 GB = 10^9 bytes, as profile budgets and the spec use). */
public final class Sizes {

    public static final double GB = 1e9;

    private Sizes() {
    }

    /** {@code 32511139840 -> "32.51 GB"}, {@code 1048576 -> "1.05 MB"}. */
    public static String format(long bytes) {
        double b = bytes;
        if (b >= 100 * GB) {
            return String.format(Locale.ROOT, "%.1f GB", b / GB);
        }
        if (b >= GB) {
            return String.format(Locale.ROOT, "%.2f GB", b / GB);
        }
        if (b >= 1e6) {
            return String.format(Locale.ROOT, "%.2f MB", b / 1e6);
        }
        if (b >= 1e3) {
            return String.format(Locale.ROOT, "%.2f KB", b / 1e3);
        }
        return bytes + " B";
    }

    /** Budget in GB as bytes. */
    public static long gb(double gb) {
        return Math.round(gb * GB);
    }
}
