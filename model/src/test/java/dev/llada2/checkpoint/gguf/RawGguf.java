package dev.llada2.checkpoint.gguf;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Builds GGUF bytes field by field, so tests can write well-formed files and break exactly one thing
 * (a count, a length, an offset, a type id) without going through {@link GgufWriter}'s checks.
 */
final class RawGguf {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    RawGguf u8(int v) {
        out.write(v);
        return this;
    }

    RawGguf u32(long v) {
        out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) v).array());
        return this;
    }

    RawGguf u64(long v) {
        out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array());
        return this;
    }

    RawGguf f32(float v) {
        return u32(Float.floatToRawIntBits(v));
    }

    RawGguf str(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        u64(b.length);
        out.writeBytes(b);
        return this;
    }

    /** Magic, version, counts. */
    RawGguf header(int version, long tensors, long kvs) {
        return u32(GgufFile.MAGIC).u32(version).u64(tensors).u64(kvs);
    }

    RawGguf kvU32(String key, long v) {
        return str(key).u32(GgufValueType.UINT32.id()).u32(v);
    }

    RawGguf kvString(String key, String v) {
        return str(key).u32(GgufValueType.STRING.id()).str(v);
    }

    /** A tensor info: name, dims, ne..., type, offset. */
    RawGguf tensor(String name, GgmlType type, long offset, long... ne) {
        str(name).u32(ne.length);
        for (long d : ne) {
            u64(d);
        }
        return u32(type.id()).u64(offset);
    }

    /** Zero bytes up to the next multiple of {@code alignment}, then {@code bytes} zero bytes of data. */
    RawGguf alignAndData(int alignment, long bytes) {
        while (out.size() % alignment != 0) {
            out.write(0);
        }
        out.writeBytes(new byte[(int) bytes]);
        return this;
    }

    int size() {
        return out.size();
    }

    byte[] bytes() {
        return out.toByteArray();
    }
}
