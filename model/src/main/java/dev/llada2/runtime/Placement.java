package dev.llada2.runtime;

import dev.llada2.config.LLaDA2Config;

/**
 * Where each part of the model runs, as indexes into an engine's device list: the mechanism input
 * the hardware-profile planner produces. A layer's home device holds its norms, attention (and KV
 * cache), router, shared expert or dense MLP; routed experts may sit elsewhere.
 *
 * @param deviceCount     number of devices
 * @param embeddingDevice device of {@code model.word_embeddings}
 * @param headDevice      device of {@code model.norm} and {@code lm_head}
 * @param layerDevice     home device per layer
 * @param expertDevice    per layer, the device of each routed expert (empty for dense layers)
 */
public record Placement(int deviceCount, int embeddingDevice, int headDevice, int[] layerDevice,
                        int[][] expertDevice) {

    public Placement {
        check(embeddingDevice, deviceCount, "embedding");
        check(headDevice, deviceCount, "lm_head");
        for (int l = 0; l < layerDevice.length; l++) {
            check(layerDevice[l], deviceCount, "layer " + l);
            for (int e = 0; e < expertDevice[l].length; e++) {
                check(expertDevice[l][e], deviceCount, "layer " + l + " expert " + e);
            }
        }
    }

    private static void check(int d, int n, String what) {
        if (d < 0 || d >= n) {
            throw new IllegalArgumentException(what + " placed on device " + d + " of " + n);
        }
    }

    /** Everything on device 0. */
    public static Placement singleDevice(LLaDA2Config c) {
        int[][] experts = new int[c.numHiddenLayers()][];
        for (int l = 0; l < experts.length; l++) {
            experts[l] = new int[c.isMoeLayer(l) ? c.numExperts() : 0];
        }
        return new Placement(1, 0, 0, new int[c.numHiddenLayers()], experts);
    }
}
