package dev.llada2.profiles;

/**
 * A mention of a device id somewhere in a profile, with where it was written, so that an unknown id
 * is reported at its JSON path.
 *
 * @param device   the device id
 * @param jsonPath where the id appears, e.g. {@code $.placement.layers[1].device}
 */
public record DeviceRef(String device, String jsonPath) {
}
