package dev.llada2.backend;

import dev.llada2.config.LLaDA2Config;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalDouble;
import java.util.stream.Collectors;

/**
 * What {@link BackendProvider#measure} measured on one device: the figures a hardware profile can carry
 * ({@code llada2 profile} writes them into one).
 *
 * @param device        the device
 * @param threads       CPU worker threads used (0 for non-CPU devices)
 * @param bandwidthGbps best streaming-read bandwidth, GB/s (10^9 bytes per second)
 * @param matmuls       block matrix products of the model's shapes
 * @param transferGbps  host-to-device rate, GB/s; empty when not applicable (a CPU device shares host memory)
 * @param memoryGb      the device's own memory, GB, as its backend reports it; empty for CPU devices (their
 *                      budget defaults to the host's memory)
 */
public record DeviceMeasurement(DeviceId device, int threads, double bandwidthGbps, List<MatMulRate> matmuls,
                                OptionalDouble transferGbps, OptionalDouble memoryGb) {

    /** Tokens per forward the matrix rates are measured at: one block (spec §6.5). */
    public static final int BLOCK_TOKENS = 32;

    public DeviceMeasurement {
        matmuls = List.copyOf(matmuls);
        if (!(bandwidthGbps > 0) || matmuls.isEmpty()) {
            throw new IllegalArgumentException("a measurement needs a bandwidth > 0 and at least one matmul rate");
        }
    }

    /**
     * One timed product {@code [rows x cols] weight x [tokens x cols] activations}.
     *
     * @param weight what the shape is in the model, e.g. "expert [moe_intermediate x hidden]"
     * @param gflops best rate, 2 x rows x cols x tokens floating-point operations per second / 10^9
     */
    public record MatMulRate(String weight, int rows, int cols, int tokens, String dtype, double gflops) {
    }

    /**
     * A weight shape whose product with one block of {@value #BLOCK_TOKENS} tokens a backend times.
     *
     * @param weight what the shape is in the model, e.g. "expert [moe_intermediate x hidden]"
     */
    public record MatMulShape(String weight, int rows, int cols) {

        /** The rate of one block through this shape in {@code nanos}: 2 x rows x cols x tokens / nanos. */
        public MatMulRate rate(String dtype, long nanos) {
            return new MatMulRate(weight, rows, cols, BLOCK_TOKENS, dtype, 2.0 * rows * cols * BLOCK_TOKENS / nanos);
        }
    }

    /**
     * The shapes every backend measures, in this order: an expert {@code [moe_intermediate x hidden]} (MoE
     * models only) and {@code [hidden x hidden]}.
     */
    public static List<MatMulShape> blockShapes(LLaDA2Config shapes) {
        List<MatMulShape> out = new ArrayList<>();
        if (shapes.numExperts() > 0 && shapes.moeIntermediateSize() > 0) {
            out.add(new MatMulShape("expert [moe_intermediate x hidden]", shapes.moeIntermediateSize(),
                    shapes.hiddenSize()));
        }
        out.add(new MatMulShape("[hidden x hidden]", shapes.hiddenSize(), shapes.hiddenSize()));
        return List.copyOf(out);
    }

    /** The profile's {@code matmul_gflops}: the slowest of the measured shapes (a conservative figure). */
    public double matmulGflops() {
        return matmuls.stream().mapToDouble(MatMulRate::gflops).min().orElseThrow();
    }

    /** A few lines for the {@code llada2 profile} command. */
    public String describe() {
        String rates = matmuls.stream().map(m -> String.format(Locale.ROOT, "  matmul %s %dx%d %s x %d tokens: %.1f GFLOP/s",
                m.weight(), m.rows(), m.cols(), m.dtype(), m.tokens(), m.gflops())).collect(Collectors.joining("\n"));
        String where = device.isCpu() ? " (" + threads + " threads)" : memoryGb.isPresent()
                ? String.format(Locale.ROOT, " (%.1f GB memory)", memoryGb.getAsDouble()) : "";
        return String.format(Locale.ROOT, "device %s%s%n  memory bandwidth (streaming read): %.1f GB/s%n%s%n"
                        + "  host->device transfer: %s", device, where, bandwidthGbps, rates,
                transferGbps.isPresent() ? String.format(Locale.ROOT, "%.1f GB/s", transferGbps.getAsDouble())
                        : "not applicable (a CPU device works in host memory)");
    }
}
