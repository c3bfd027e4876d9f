package dev.llada2.io;

import dev.llada2.errors.LladaException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The lines of a UTF-8 text file, strictly decoded: a byte sequence that is not UTF-8 is an error
 * naming the line, its byte offset in the file and the bytes (the JDK's reader says only
 * "Input length = 1", and a lenient one would silently turn them into U+FFFD).
 */
public final class Utf8Lines {

    private Utf8Lines() {
    }

    /** Reads {@code file}; {@code what} names it in errors (e.g. "--input FILE"). */
    public static List<String> read(Path file, String what) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw LladaException.input(what + ": cannot read: " + IoErrors.reason(file, e), e);
        }
        CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        List<String> lines = new ArrayList<>();
        int start = 0;
        for (int i = 0; i <= bytes.length; i++) {
            if (i == bytes.length || bytes[i] == '\n') {
                if (i == bytes.length && start == i) {
                    break;
                }
                int end = i > start && bytes[i - 1] == '\r' ? i - 1 : i;
                lines.add(decode(utf8, bytes, start, end, lines.size() + 1, what));
                start = i + 1;
            }
        }
        return lines;
    }

    private static String decode(CharsetDecoder utf8, byte[] bytes, int from, int to, int line, String what) {
        ByteBuffer in = ByteBuffer.wrap(bytes, from, to - from);
        CharBuffer out = CharBuffer.allocate(to - from);
        utf8.reset();
        CoderResult r = utf8.decode(in, out, true);
        if (!r.isError()) {
            r = utf8.flush(out);
        }
        if (r.isError()) {
            int at = in.position();
            int length = r.isMalformed() || r.isUnmappable() ? r.length() : 1;
            throw LladaException.input(what + ": line " + line + " is not valid UTF-8: byte offset " + at + " in the file"
                    + " (byte " + (at - from + 1) + " of the line) starts the invalid sequence "
                    + HexFormat.ofDelimiter(" ").formatHex(bytes, at, Math.min(at + length, to)));
        }
        return out.flip().toString();
    }
}
