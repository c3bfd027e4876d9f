package dev.llada2.checkpoint;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes safetensors files byte by byte, so tests can build malformed ones. */
final class RawSafetensors {

    private RawSafetensors() {
    }

    /** An 8-byte length (as given), the header text, then {@code dataBytes} zero bytes. */
    static Path write(Path file, long declaredHeaderLength, String header, int dataBytes) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(declaredHeaderLength);
        b.put(h);
        Files.write(file, b.array());
        return file;
    }

    /** A well-formed file: the header's true length. */
    static Path write(Path file, String header, int dataBytes) throws IOException {
        return write(file, header.getBytes(StandardCharsets.UTF_8).length, header, dataBytes);
    }
}
