package dev.llada2.profiles.fit;

import dev.llada2.arch.TensorRole;
import dev.llada2.arch.TensorSpec;
import dev.llada2.checkpoint.DType;
import dev.llada2.config.LLaDA2Config;
import dev.llada2.runtime.Placement;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;

/**
 * Bytes per device of a placed model, counted tensor by tensor from the architecture's tensor list
 * (the one source of every shape), plus the KV cache and workspace.
 *
 * <p>KV cache: the engine keeps keys and values in fp32 whatever the weight type, so each layer's
 * home device holds {@code 2 x kv_heads x head_dim x 4} bytes per position, for
 * {@link PlanOptions#kvPositions()} positions. Workspace: {@link Workspace}.
 *
 * <p>Weight bytes read per block forward: every non-expert weight in full, the embedding rows of the
 * block's T tokens, and of the routed experts the expected share a block selects under uniform
 * routing, {@code 1 - (1 - k/E)^T} (spec §8.1: about 64% for T = 32, k = 8, E = 256).
 */
final class MemoryLedger {

    private final List<EnumMap<DType, Long>> weightBytes = new ArrayList<>();
    private final long[] weightElements;
    private final long[] kvBytes;
    private final long[] workBytes;
    private final long[] readBytes;
    /** [device][layer]: bytes of that layer's routed experts on that device. */
    private final long[][] routedExpertBytes;

    private MemoryLedger(int devices, int layers) {
        for (int d = 0; d < devices; d++) {
            weightBytes.add(new EnumMap<>(DType.class));
        }
        weightElements = new long[devices];
        kvBytes = new long[devices];
        workBytes = new long[devices];
        readBytes = new long[devices];
        routedExpertBytes = new long[devices][layers];
    }

    static MemoryLedger count(LLaDA2Config c, List<TensorSpec> tensors, Placement p, WeightDtypes dtypes,
                              PlanOptions o) {
        int n = c.numHiddenLayers();
        MemoryLedger m = new MemoryLedger(p.deviceCount(), n);
        double expertShare = c.numExperts() == 0 ? 0
                : 1 - Math.pow(1 - (double) c.numExpertsPerTok() / c.numExperts(), o.blockLength());
        double embeddingShare = Math.min(1, (double) o.blockLength() / c.vocabSize());
        for (TensorSpec t : tensors) {
            int d = PlacementUnit.of(t).device(p);
            m.addWeight(d, t, dtypes);
            long bytes = dtypes.of(t).bytesFor(t.elements());
            m.readBytes[d] += switch (t.role()) {
                case ROUTED_EXPERT -> Math.round(bytes * expertShare);
                case EMBEDDING -> Math.round(bytes * embeddingShare);
                default -> bytes;
            };
            if (t.role() == TensorRole.ROUTED_EXPERT) {
                m.routedExpertBytes[d][t.layer()] += bytes;
            }
            // a tied head multiplies by the embedding table: the head device needs its own copy
            if (t.role() == TensorRole.EMBEDDING && c.tieWordEmbeddings() && p.headDevice() != d) {
                m.addWeight(p.headDevice(), t, dtypes);
            }
        }
        long kvPerLayer = (long) o.kvPositions() * 2 * c.kvDim() * Float.BYTES;
        for (int l = 0; l < n; l++) {
            m.kvBytes[p.layerDevice()[l]] += kvPerLayer;
        }
        for (int d = 0; d < p.deviceCount(); d++) {
            m.workBytes[d] = Workspace.bytes(c, o, roles(c, p, d));
        }
        return m;
    }

    private void addWeight(int d, TensorSpec t, WeightDtypes dtypes) {
        weightBytes.get(d).merge(dtypes.of(t), dtypes.of(t).bytesFor(t.elements()), Long::sum);
        weightElements[d] += t.elements();
    }

    private static Workspace.Roles roles(LLaDA2Config c, Placement p, int d) {
        boolean dense = false;
        boolean moe = false;
        boolean experts = false;
        for (int l = 0; l < c.numHiddenLayers(); l++) {
            if (p.layerDevice()[l] == d) {
                dense |= !c.isMoeLayer(l);
                moe |= c.isMoeLayer(l);
            }
            for (int e : p.expertDevice()[l]) {
                experts |= e == d;
            }
        }
        return new Workspace.Roles(p.embeddingDevice() == d, dense, moe, experts, p.headDevice() == d);
    }

    EnumMap<DType, Long> weightBytes(int d) {
        return new EnumMap<>(weightBytes.get(d));
    }

    long weightBytesTotal(int d) {
        return weightBytes.get(d).values().stream().mapToLong(Long::longValue).sum();
    }

    long weightElements(int d) {
        return weightElements[d];
    }

    long kvBytes(int d) {
        return kvBytes[d];
    }

    long workBytes(int d) {
        return workBytes[d];
    }

    long readBytesPerForward(int d) {
        return readBytes[d];
    }

    long routedExpertBytes(int d, int layer) {
        return routedExpertBytes[d][layer];
    }
}
