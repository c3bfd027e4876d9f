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
 *   <li>{@link #expertGateUp} and {@link #expertDown}: grids over (expert, output row) that loop over
 *       the expert's slots, so each selected expert's weights are read once per pass for all of its
 *       tokens and unselected experts exit at once; the down projection multiplies by the slot's
 *       routing weight;</li>
 *   <li>{@link #combine}: per token the weighted expert outputs summed in slot order, plus the shared
 *       expert, the same order as the CPU engine so results match to rounding.</li>
 * </ol>
 * When some routed experts of the layer live in host memory (CPU devices), the host computes their
 * weighted slot outputs and {@link #scatterSlots} writes them into the slot buffer before the combine.
 * Slot {@code s = t * topK + j} is the j-th expert chosen for token t.
 */
public final class MoeKernels {

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
     * <p>Grid: {@code partExperts * inter x L} work-items, local size {@code L}: one work-group per
     * (expert of this weight part, intermediate row); groups of experts without slots exit at once.
     * Work per thread: {@code cols / L} elements of two weight rows per tile of four slots, then a
     * reduction of eight partial sums.
     *
     * <p>The body mirrors {@link MatMulKernels#gateUpSwiGlu} with tokens gathered through the expert's
     * slot list instead of read in order. The shared loop is written out in both kernels on purpose:
     * TornadoVM loses writes to local arrays passed to helper methods, so a kernel's reduction cannot be
     * factored into a method it calls.
     *
     * @param gate        {@code [partExperts * inter, cols]}: experts {@code firstExpert..} stacked
     * @param h           receives {@code [slots, inter]}
     */
    public static void expertGateUp(KernelContext context, ShortArray gate, ShortArray up, FloatArray m, IntArray slots,
                                    IntArray expertCounts, FloatArray scale, FloatArray h, int firstExpert, int inter,
                                    int cols, int topK, int slotCapacity, int format) {
        int group = context.groupIdx;
        int lid = context.localIdx;
        int threads = context.localGroupSizeX;
        float[] partial = context.allocateFloatLocalArray(2 * MatMulKernels.TILE * MatMulKernels.MAX_THREADS);
        int local = group / inter;
        int row = group - local * inter;
        int e = firstExpert + local;
        int n = expertCounts.get(e);
        int wBase = group * cols;
        int sBase = e * slotCapacity;
        for (int c0 = 0; c0 < n; c0 += MatMulKernels.TILE) {
            int s0 = slots.get(sBase + c0);
            int s1 = c0 + 1 < n ? slots.get(sBase + c0 + 1) : s0;
            int s2 = c0 + 2 < n ? slots.get(sBase + c0 + 2) : s0;
            int s3 = c0 + 3 < n ? slots.get(sBase + c0 + 3) : s0;
            int x0 = (s0 / topK) * cols;
            int x1 = (s1 / topK) * cols;
            int x2 = (s2 / topK) * cols;
            int x3 = (s3 / topK) * cols;
            float g0 = 0f;
            float g1 = 0f;
            float g2 = 0f;
            float g3 = 0f;
            float u0 = 0f;
            float u1 = 0f;
            float u2 = 0f;
            float u3 = 0f;
            for (int k = lid; k < cols; k += threads) {
                float gk = WeightDecode.element(gate, wBase + k, format, scale);
                float uk = WeightDecode.element(up, wBase + k, format, scale);
                float v0 = m.get(x0 + k);
                float v1 = m.get(x1 + k);
                float v2 = m.get(x2 + k);
                float v3 = m.get(x3 + k);
                g0 += gk * v0;
                g1 += gk * v1;
                g2 += gk * v2;
                g3 += gk * v3;
                u0 += uk * v0;
                u1 += uk * v1;
                u2 += uk * v2;
                u3 += uk * v3;
            }
            partial[lid] = g0;
            partial[threads + lid] = g1;
            partial[2 * threads + lid] = g2;
            partial[3 * threads + lid] = g3;
            partial[4 * threads + lid] = u0;
            partial[5 * threads + lid] = u1;
            partial[6 * threads + lid] = u2;
            partial[7 * threads + lid] = u3;
            context.localBarrier();
            for (int stride = threads / 2; stride > 0; stride >>= 1) {
                if (lid < stride) {
                    for (int j = 0; j < 2 * MatMulKernels.TILE; j++) {
                        partial[j * threads + lid] += partial[j * threads + lid + stride];
                    }
                }
                context.localBarrier();
            }
            if (lid < MatMulKernels.TILE && c0 + lid < n) {
                int slot = slots.get(sBase + c0 + lid);
                h.set(slot * inter + row, MatMulKernels.swiGlu(partial[lid * threads],
                        partial[(MatMulKernels.TILE + lid) * threads]));
            }
            context.localBarrier();
        }
    }

    /**
     * Down projection of the routed experts, grouped by expert and scaled by the routing weight:
     * {@code slotOut[s][d] = (Wdown_e[d] . h[s]) * topWeight[s]} for every slot {@code s} of expert
     * {@code e}.
     *
     * <p>Grid: {@code partExperts * hidden x L} work-items, local size {@code L}: one work-group per
     * (expert of this weight part, output element); groups of experts without slots exit at once.
     */
    public static void expertDown(KernelContext context, ShortArray down, FloatArray h, IntArray slots,
                                  IntArray expertCounts, FloatArray topWeight, FloatArray scale, FloatArray slotOut,
                                  int firstExpert, int hidden, int inter, int slotCapacity, int format) {
        int group = context.groupIdx;
        int lid = context.localIdx;
        int threads = context.localGroupSizeX;
        float[] partial = context.allocateFloatLocalArray(MatMulKernels.TILE * MatMulKernels.MAX_THREADS);
        int local = group / hidden;
        int d = group - local * hidden;
        int e = firstExpert + local;
        int n = expertCounts.get(e);
        int wBase = group * inter;
        int sBase = e * slotCapacity;
        for (int c0 = 0; c0 < n; c0 += MatMulKernels.TILE) {
            int s0 = slots.get(sBase + c0);
            int s1 = c0 + 1 < n ? slots.get(sBase + c0 + 1) : s0;
            int s2 = c0 + 2 < n ? slots.get(sBase + c0 + 2) : s0;
            int s3 = c0 + 3 < n ? slots.get(sBase + c0 + 3) : s0;
            float a0 = 0f;
            float a1 = 0f;
            float a2 = 0f;
            float a3 = 0f;
            for (int k = lid; k < inter; k += threads) {
                float wk = WeightDecode.element(down, wBase + k, format, scale);
                a0 += wk * h.get(s0 * inter + k);
                a1 += wk * h.get(s1 * inter + k);
                a2 += wk * h.get(s2 * inter + k);
                a3 += wk * h.get(s3 * inter + k);
            }
            partial[lid] = a0;
            partial[threads + lid] = a1;
            partial[2 * threads + lid] = a2;
            partial[3 * threads + lid] = a3;
            context.localBarrier();
            for (int stride = threads / 2; stride > 0; stride >>= 1) {
                if (lid < stride) {
                    for (int j = 0; j < MatMulKernels.TILE; j++) {
                        partial[j * threads + lid] += partial[j * threads + lid + stride];
                    }
                }
                context.localBarrier();
            }
            if (lid < MatMulKernels.TILE && c0 + lid < n) {
                int slot = slots.get(sBase + c0 + lid);
                slotOut.set(slot * hidden + d, partial[lid * threads] * topWeight.get(slot));
            }
            context.localBarrier();
        }
    }

    /**
     * {@code out[t][d] = sum_j slotOut[t * topK + j][d] (j in order) + shared[t][d]} (the shared term
     * only when {@code hasShared == 1}; {@code shared} is then any array and never read).
     *
     * <p>Grid: {@code maxTokens * hidden} work-items rounded up to the local size, one element each.
     */
    public static void combine(KernelContext context, FloatArray slotOut, FloatArray shared, IntArray params,
                               FloatArray out, int hidden, int topK, int hasShared) {
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
