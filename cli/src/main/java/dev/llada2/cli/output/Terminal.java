package dev.llada2.cli.output;

import java.io.PrintWriter;

/**
 * Whether progress may be drawn with control characters. Progress goes to stderr and is drawn only
 * when the process talks to a terminal; piped or redirected output never receives a control
 * character ({@code LLADA2_PROGRESS=0} turns drawing off, {@code =1} forces it on).
 */
public final class Terminal {

    private Terminal() {
    }

    public static boolean interactive() {
        String forced = System.getenv("LLADA2_PROGRESS");
        if (forced != null) {
            return forced.equals("1");
        }
        if ("dumb".equals(System.getenv("TERM"))) {
            return false;
        }
        java.io.Console console = System.console();
        return console != null && console.isTerminal();
    }

    /**
     * A status line that redraws itself on a terminal and prints nothing otherwise. It is drawn after
     * the cursor (save cursor, text, restore cursor) and erased with "erase below", so an answer being
     * streamed on the same terminal is never overwritten: the status sits after the streamed text and
     * disappears before more text is printed.
     */
    public static final class StatusLine {
        private static final String SAVE = "\0337";
        private static final String RESTORE = "\0338";
        private static final String ERASE_BELOW = "\033[J";

        private final PrintWriter err;
        private final boolean live;
        private boolean shown;
        private long lastDraw;

        public StatusLine(PrintWriter err) {
            this(err, interactive());
        }

        public StatusLine(PrintWriter err, boolean live) {
            this.err = err;
            this.live = live;
        }

        public boolean live() {
            return live;
        }

        /** Redraws the status at most every 100 ms unless {@code force}. */
        public void show(String text, boolean force) {
            if (!live) {
                return;
            }
            long now = System.nanoTime();
            if (!force && now - lastDraw < 100_000_000L) {
                return;
            }
            lastDraw = now;
            err.print(ERASE_BELOW + SAVE + " " + text + RESTORE);
            err.flush();
            shown = true;
        }

        public void clear() {
            if (live && shown) {
                err.print(ERASE_BELOW);
                err.flush();
                shown = false;
            }
        }
    }

    /** A text progress bar: {@code [#####.....] 50%}. */
    public static String bar(double fraction, int width) {
        int filled = (int) Math.round(Math.max(0, Math.min(1, fraction)) * width);
        return "[" + "#".repeat(filled) + ".".repeat(width - filled) + "] " + Math.round(fraction * 100) + "%";
    }
}
