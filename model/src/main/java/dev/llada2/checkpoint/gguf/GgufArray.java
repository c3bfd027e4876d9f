package dev.llada2.checkpoint.gguf;

import java.util.List;

/** A GGUF array value: its element type and elements (Java values as {@link GgufMetadata} describes). */
public record GgufArray(GgufValueType elementType, List<Object> values) {

    public GgufArray {
        values = List.copyOf(values);
    }

    public int size() {
        return values.size();
    }
}
