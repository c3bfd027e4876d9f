package dev.llada2.tornado.kernels;

import dev.llada2.tornado.format.WeightDecode;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.math.TornadoMath;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;
import uk.ac.manchester.tornado.api.types.arrays.ShortArray;

/**
 * The MoE feed-forward on the device (spec §4.5), in five steps:
 * <ol>
 *   <li>router logits: a plain {@link MatMulKernels#matmul} of {@code mlp.gate.weight};</li>
 *   <li>{@link #routerSelect}: per token, sigmoid, expert bias for selection, group-limited top-k,
 *       renormalised, scaled weights; expert ids in descending biased order (twin: {@code RouterMath});</li>
 *   <li>{@link #groupSlots}: per expert, the list of (token, k) slots routed to it, in slot order;</li>
 *   <li>{@link #expertGateUp} and {@link #expertDown}: grids over (expert, slice of output rows) that
 *       loop over the expert's slots, so each selected expert's weights are read once per tile of
 *       {@value #TOKEN_TILE} of its tokens and unselected experts do no work; the down projection
 *       multiplies by the slot's routing weight;</li>
 *   <li>{@link #combine}: per token the weighted expert outputs summed in slot order, plus the shared
 *       expert, the same order as the CPU engine so results match to rounding.</li>
 * </ol>
 * When some routed experts of the layer live in host memory (CPU devices), the host computes their
 * weighted slot outputs and {@link #scatterSlots} writes them into the slot buffer before the combine.
 * Slot {@code s = t * topK + j} is the j-th expert chosen for token t.
 */
public final class MoeKernels {

    /** Tokens (slots) of an expert each thread of {@link #expertGateUp}/{@link #expertDown} accumulates at once. */
    public static final int TOKEN_TILE = 8;

    /** Elements of each staged token row per step (the local tile is {@code TOKEN_TILE x K_CHUNK} floats). */
    public static final int K_CHUNK = 64;

    /** Threads (rows) per work-group of the expert kernels. */
    public static final int EXPERT_THREADS = 64;

    private MoeKernels() {
    }

    /**
     * Expert selection for one token per work-item (spec §4.5, {@code RouterMath} line for line):
     * {@code s = sigmoid(logit)}, biased {@code b = s + expert_bias}; group score = sum of the two
     * largest {@code b} per group; keep the {@code topGroups} best groups (lower index first on ties);
     * take the {@code topK} largest {@code b} among their experts (lower id first on ties), in that
     * order; weights = their {@code s}, divided by their sum (+1e-20) when {@code topK > 1}, times
     * {@code scaling}. Per-token scratch, so that each value is computed exactly once:
     * {@code scores [maxTokens, 2 * experts]} (sigmoid, then biased), {@code groupScore
     * [maxTokens, groups]}, {@code marks [maxTokens, experts + groups]} (expert taken, then group kept).
     *
     * <p>Grid: {@code maxTokens} work-items rounded up to the local size; serial over the experts
     * ({@code topK} passes), which is small next to the expert matrices.
     */
    public static void routerSelect(KernelContext context, FloatArray logits, FloatArray bias, IntArray params,
                                    FloatArray scores, FloatArray groupScore, IntArray marks, IntArray topIdx,
                                    FloatArray topWeight, int experts, int topK,
                                    int groups, int topGroups, float scaling) {
        int t = context.globalIdx;
        if (t < params.get(ForwardParams.TOKENS)) {
            int sBase = t * 2 * experts;
            int bBase = sBase + experts;
            int gBase = t * groups;
            int taken = t * (experts + groups);
            int kept = taken + experts;
            int perGroup = experts / groups;
            for (int e = 0; e < experts; e++) {
                float s = 1.0f / (1.0f + TornadoMath.exp(-logits.get(t * experts + e)));
                scores.set(sBase + e, s);
                scores.set(bBase + e, s + bias.get(e));
                marks.set(taken + e, 0);
            }
            if (topGroups >= groups) {
                for (int g = 0; g < groups; g++) {
                    marks.set(kept + g, 1);
                }
            } else {
                for (int g = 0; g < groups; g++) {
                    float first = Float.NEGATIVE_INFINITY;
                    float second = Float.NEGATIVE_INFINITY;
                    for (int e = g * perGroup; e < (g + 1) * perGroup; e++) {
                        float v = scores.get(bBase + e);
                        if (v > first) {
                            second = first;
                            first = v;
                        } else if (v > second) {
                            second = v;
                        }
                    }
                    groupScore.set(gBase + g, first + second);
                    marks.set(kept + g, 0);
                }
                for (int k = 0; k < topGroups; k++) {
                    int best = -1;
                    for (int g = 0; g < groups; g++) {
                        if (marks.get(kept + g) == 0
                                && (best < 0 || groupScore.get(gBase + g) > groupScore.get(gBase + best))) {
                            best = g;
                        }
                    }
                    marks.set(kept + best, 1);
                }
            }
            int out = t * topK;
            float sum = 0f;
            for (int k = 0; k < topK; k++) {
                int best = -1;
                for (int e = 0; e < experts; e++) {
                    if (marks.get(taken + e) == 0 && marks.get(kept + e / perGroup) == 1
                            && (best < 0 || scores.get(bBase + e) > scores.get(bBase + best))) {
                        best = e;
                    }
                }
                marks.set(taken + best, 1);
                float s = scores.get(sBase + best);
                topIdx.set(out + k, best);
                topWeight.set(out + k, s);
                sum += s;
            }
            for (int k = 0; k < topK; k++) {
                float w = topWeight.get(out + k);
                if (topK > 1) {
                    w = w / (sum + 1e-20f);
                }
                topWeight.set(out + k, w * scaling);
            }
        }
    }

    /**
     * For expert {@code e} (one per work-item): the slots routed to it in increasing order into
     * {@code slots[e * slotCapacity ..]}, their number into {@code expertCounts[e]}. A token selects an
     * expert at most once, so {@code slotCapacity = maxTokens} suffices.
     *
     * <p>Grid: {@code experts} work-items rounded up to the local size; each scans the
     * {@code tokens * topK} slots.
     */
    public static void groupSlots(KernelContext context, IntArray topIdx, IntArray params, IntArray slots,
                                  IntArray expertCounts, int experts, int topK, int slotCapacity) {
        int e = context.globalIdx;
        if (e < experts) {
            int total = params.get(ForwardParams.TOKENS) * topK;
            int n = 0;
            for (int s = 0; s < total; s++) {
                if (topIdx.get(s) == e) {
                    slots.set(e * slotCapacity + n, s);
                    n++;
                }
            }
            expertCounts.set(e, n);
        }
    }

    /**
     * Gate and up projections of the routed experts with the SwiGLU product, grouped by expert:
     * {@code h[s][row] = silu(Wgate_e[row] . m[t(s)]) * (Wup_e[row] . m[t(s)])} for every slot
     * {@code s} routed to expert {@code e}.
     *
     * <p>Grid: {@code partExperts * ceil(inter / L) x L} work-items, local size {@code L}: one
     * work-group per (expert of this weight part, slice of {@code L} intermediate rows), one thread per
     * row. The weights are k-major ({@link dev.llada2.tornado.format.DeviceMatrix#kMajor}): at step
     * {@code k} the group's threads read {@code L} consecutive elements, one coalesced load (for a
     * block format, {@code L} neighbouring blocks: {@link WeightDecode#kMajorIndex}; each thread walks
     * its row in order, so it decodes a block format's scale and offset once per run of
     * {@link WeightDecode#runLength} elements and then only the codes). The
     * expert's tokens are taken {@value #TOKEN_TILE} at a time, their rows staged in local memory in
     * chunks of {@value #K_CHUNK}, and each thread keeps one gate and one up accumulator per token in
     * registers: no reduction, and each weight is read and decoded once per tile of
     * {@value #TOKEN_TILE} tokens (once per pass for an expert chosen by at most that many).
     * Groups of experts without slots do no work.
     *
     * <p>The bodies of this kernel and {@link #expertDown} share their staging loop on purpose:
     * TornadoVM loses writes to local arrays passed to helper methods.
     *
     * @param gate     k-major {@code [cols, partRows]}: experts {@code firstExpert..} stacked along the rows
     * @param partRows rows of the weight part ({@code partExperts * inter})
     * @param h        receives {@code [slots, inter]}
     */
    public static void expertGateUp(KernelContext context, ShortArray gate, ShortArray up, FloatArray m, IntArray slots,
                                    IntArray expertCounts, FloatArray scale, FloatArray h, int firstExpert,
                                    int partRows, int inter, int cols, int topK, int slotCapacity, int format) {
        int lid = context.localIdx;
        int threads = context.localGroupSizeX;
        float[] xs = context.allocateFloatLocalArray(TOKEN_TILE * K_CHUNK);
        int slices = (inter + threads - 1) / threads;
        int local = context.groupIdx / slices;
        int row = (context.groupIdx - local * slices) * threads + lid;
        int wRow = local * inter + row;
        int e = firstExpert + local;
        int n = expertCounts.get(e);
        int sBase = e * slotCapacity;
        int run = WeightDecode.runLength(format);
        for (int c0 = 0; c0 < n; c0 += TOKEN_TILE) {
            float g0 = 0f;
            float g1 = 0f;
            float g2 = 0f;
            float g3 = 0f;
            float g4 = 0f;
            float g5 = 0f;
            float g6 = 0f;
            float g7 = 0f;
            float u0 = 0f;
            float u1 = 0f;
            float u2 = 0f;
            float u3 = 0f;
            float u4 = 0f;
            float u5 = 0f;
            float u6 = 0f;
            float u7 = 0f;
            for (int k0 = 0; k0 < cols; k0 += K_CHUNK) {
                for (int i = lid; i < TOKEN_TILE * K_CHUNK; i += threads) {
                    int t = i / K_CHUNK;
                    int kk = i - t * K_CHUNK;
                    float v = 0f;
                    if (c0 + t < n && k0 + kk < cols) {
                        v = m.get((slots.get(sBase + c0 + t) / topK) * cols + k0 + kk);
                    }
                    xs[i] = v;
                }
                context.localBarrier();
                if (row < inter) {
                    int kEnd = TornadoMath.min(K_CHUNK, cols - k0);
                    float gScale = 0f;
                    float gOffset = 0f;
                    float uScale = 0f;
                    float uOffset = 0f;
                    for (int kk = 0; kk < kEnd; kk++) {
                        int wi = WeightDecode.kMajorIndex(k0 + kk, partRows, wRow, format);
                        float gk;
                        float uk;
                        if (run == 1) {
                            gk = WeightDecode.element(gate, wi, format, scale);
                            uk = WeightDecode.element(up, wi, format, scale);
                        } else {
                            int at = WeightDecode.blockAt(wi, format);
                            int o = WeightDecode.inBlock(wi, format);
                            if (kk - (kk / run) * run == 0) {
                                gScale = WeightDecode.runScale(gate, at, o, format, scale);
                                gOffset = WeightDecode.runOffset(gate, at, o, format, scale);
                                uScale = WeightDecode.runScale(up, at, o, format, scale);
                                uOffset = WeightDecode.runOffset(up, at, o, format, scale);
                            }
                            gk = gScale * (float) WeightDecode.code(gate, at, o, format) - gOffset;
                            uk = uScale * (float) WeightDecode.code(up, at, o, format) - uOffset;
                        }
                        float v0 = xs[kk];
                        float v1 = xs[K_CHUNK + kk];
                        float v2 = xs[2 * K_CHUNK + kk];
                        float v3 = xs[3 * K_CHUNK + kk];
                        float v4 = xs[4 * K_CHUNK + kk];
                        float v5 = xs[5 * K_CHUNK + kk];
                        float v6 = xs[6 * K_CHUNK + kk];
                        float v7 = xs[7 * K_CHUNK + kk];
                        g0 += gk * v0;
                        g1 += gk * v1;
                        g2 += gk * v2;
                        g3 += gk * v3;
                        g4 += gk * v4;
                        g5 += gk * v5;
                        g6 += gk * v6;
                        g7 += gk * v7;
                        u0 += uk * v0;
                        u1 += uk * v1;
                        u2 += uk * v2;
                        u3 += uk * v3;
                        u4 += uk * v4;
                        u5 += uk * v5;
                        u6 += uk * v6;
                        u7 += uk * v7;
                    }
                }
                context.localBarrier();
            }
            if (row < inter) {
                h.set(slots.get(sBase + c0) * inter + row, MatMulKernels.swiGlu(g0, u0));
                if (c0 + 1 < n) {
                    h.set(slots.get(sBase + c0 + 1) * inter + row, MatMulKernels.swiGlu(g1, u1));
                }
                if (c0 + 2 < n) {
                    h.set(slots.get(sBase + c0 + 2) * inter + row, MatMulKernels.swiGlu(g2, u2));
                }
                if (c0 + 3 < n) {
                    h.set(slots.get(sBase + c0 + 3) * inter + row, MatMulKernels.swiGlu(g3, u3));
                }
                if (c0 + 4 < n) {
                    h.set(slots.get(sBase + c0 + 4) * inter + row, MatMulKernels.swiGlu(g4, u4));
                }
                if (c0 + 5 < n) {
                    h.set(slots.get(sBase + c0 + 5) * inter + row, MatMulKernels.swiGlu(g5, u5));
                }
                if (c0 + 6 < n) {
                    h.set(slots.get(sBase + c0 + 6) * inter + row, MatMulKernels.swiGlu(g6, u6));
                }
                if (c0 + 7 < n) {
                    h.set(slots.get(sBase + c0 + 7) * inter + row, MatMulKernels.swiGlu(g7, u7));
                }
            }
        }
    }

    /**
     * Down projection of the routed experts, grouped by expert and scaled by the routing weight:
     * {@code slotOut[s][d] = (Wdown_e[d] . h[s]) * topWeight[s]} for every slot {@code s} of expert
     * {@code e}.
     *
     * <p>Grid: {@code partExperts * ceil(hidden / L) x L} work-items, local size {@code L}: one
     * work-group per (expert of this weight part, slice of {@code L} output elements), one thread per
     * element, k-major weights, slot rows of {@code h} staged in local memory, one accumulator per
     * slot of the tile, as {@link #expertGateUp}.
     *
     * @param down     k-major {@code [inter, partRows]}
     * @param partRows rows of the weight part ({@code partExperts * hidden})
     */
    public static void expertDown(KernelContext context, ShortArray down, FloatArray h, IntArray slots,
                                  IntArray expertCounts, FloatArray topWeight, FloatArray scale, FloatArray slotOut,
                                  int firstExpert, int partRows, int hidden, int inter, int slotCapacity, int format) {
        int lid = context.localIdx;
        int threads = context.localGroupSizeX;
        float[] xs = context.allocateFloatLocalArray(TOKEN_TILE * K_CHUNK);
        int slices = (hidden + threads - 1) / threads;
        int local = context.groupIdx / slices;
        int d = (context.groupIdx - local * slices) * threads + lid;
        int wRow = local * hidden + d;
        int e = firstExpert + local;
        int n = expertCounts.get(e);
        int sBase = e * slotCapacity;
        int run = WeightDecode.runLength(format);
        for (int c0 = 0; c0 < n; c0 += TOKEN_TILE) {
            float a0 = 0f;
            float a1 = 0f;
            float a2 = 0f;
            float a3 = 0f;
            float a4 = 0f;
            float a5 = 0f;
            float a6 = 0f;
            float a7 = 0f;
            for (int k0 = 0; k0 < inter; k0 += K_CHUNK) {
                for (int i = lid; i < TOKEN_TILE * K_CHUNK; i += threads) {
                    int t = i / K_CHUNK;
                    int kk = i - t * K_CHUNK;
                    float v = 0f;
                    if (c0 + t < n && k0 + kk < inter) {
                        v = h.get(slots.get(sBase + c0 + t) * inter + k0 + kk);
                    }
                    xs[i] = v;
                }
                context.localBarrier();
                if (d < hidden) {
                    int kEnd = TornadoMath.min(K_CHUNK, inter - k0);
                    float wScale = 0f;
                    float wOffset = 0f;
                    for (int kk = 0; kk < kEnd; kk++) {
                        int wi = WeightDecode.kMajorIndex(k0 + kk, partRows, wRow, format);
                        float wk;
                        if (run == 1) {
                            wk = WeightDecode.element(down, wi, format, scale);
                        } else {
                            int at = WeightDecode.blockAt(wi, format);
                            int o = WeightDecode.inBlock(wi, format);
                            if (kk - (kk / run) * run == 0) {
                                wScale = WeightDecode.runScale(down, at, o, format, scale);
                                wOffset = WeightDecode.runOffset(down, at, o, format, scale);
                            }
                            wk = wScale * (float) WeightDecode.code(down, at, o, format) - wOffset;
                        }
                        a0 += wk * xs[kk];
                        a1 += wk * xs[K_CHUNK + kk];
                        a2 += wk * xs[2 * K_CHUNK + kk];
                        a3 += wk * xs[3 * K_CHUNK + kk];
                        a4 += wk * xs[4 * K_CHUNK + kk];
                        a5 += wk * xs[5 * K_CHUNK + kk];
                        a6 += wk * xs[6 * K_CHUNK + kk];
                        a7 += wk * xs[7 * K_CHUNK + kk];
                    }
                }
                context.localBarrier();
            }
            if (d < hidden) {
                int s0 = slots.get(sBase + c0);
                slotOut.set(s0 * hidden + d, a0 * topWeight.get(s0));
                if (c0 + 1 < n) {
                    int s = slots.get(sBase + c0 + 1);
                    slotOut.set(s * hidden + d, a1 * topWeight.get(s));
                }
                if (c0 + 2 < n) {
                    int s = slots.get(sBase + c0 + 2);
                    slotOut.set(s * hidden + d, a2 * topWeight.get(s));
                }
                if (c0 + 3 < n) {
                    int s = slots.get(sBase + c0 + 3);
                    slotOut.set(s * hidden + d, a3 * topWeight.get(s));
                }
                if (c0 + 4 < n) {
                    int s = slots.get(sBase + c0 + 4);
                    slotOut.set(s * hidden + d, a4 * topWeight.get(s));
                }
                if (c0 + 5 < n) {
                    int s = slots.get(sBase + c0 + 5);
                    slotOut.set(s * hidden + d, a5 * topWeight.get(s));
                }
                if (c0 + 6 < n) {
                    int s = slots.get(sBase + c0 + 6);
                    slotOut.set(s * hidden + d, a6 * topWeight.get(s));
                }
                if (c0 + 7 < n) {
                    int s = slots.get(sBase + c0 + 7);
                    slotOut.set(s * hidden + d, a7 * topWeight.get(s));
                }
            }
        }
    }
    /**
     * {@code out[t][d] = sum_j slotOut[t * topK + j][d] (j in order) + shared[t][d]} (the shared term
     * only when {@code hasShared == 1}; {@code shared} is then any array and never read), and the
     * residual connection after the feed-forward, {@code residual[t][d] += out[t][d]} (one task
     * instead of a combine and an add: a task less per layer in TornadoVM's per-graph budget).
     *
     * <p>Grid: {@code maxTokens * hidden} work-items rounded up to the local size, one element each.
     */
    public static void combine(KernelContext context, FloatArray slotOut, FloatArray shared, IntArray params,
                               FloatArray out, FloatArray residual, int hidden, int topK, int hasShared) {
        int i = context.globalIdx;
        if (i < params.get(ForwardParams.TOKENS) * hidden) {
            int t = i / hidden;
            int d = i - t * hidden;
            float acc = 0f;
            for (int j = 0; j < topK; j++) {
                acc += slotOut.get((t * topK + j) * hidden + d);
            }
            if (hasShared == 1) {
                acc += shared.get(i);
            }
            out.set(i, acc);
            residual.set(i, residual.get(i) + acc);
        }
    }

    /**
     * Weighted slot outputs computed elsewhere (routed experts in host memory) into the slot buffer:
     * {@code slotOut[map[1 + r]] = rows[r]} for the {@code map[0]} rows of this chunk.
     *
     * <p>Grid: {@code chunkRows * hidden} work-items rounded up to the local size, one element each.
     */
    public static void scatterSlots(KernelContext context, FloatArray rows, IntArray map, FloatArray slotOut,
                                    int hidden) {
        int i = context.globalIdx;
        if (i < map.get(0) * hidden) {
            int r = i / hidden;
            int d = i - r * hidden;
            slotOut.set(map.get(1 + r) * hidden + d, rows.get(i));
        }
    }
}
