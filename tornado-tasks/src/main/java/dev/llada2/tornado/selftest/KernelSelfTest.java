package dev.llada2.tornado.selftest;

import dev.llada2.backend.KernelCheck;
import uk.ac.manchester.tornado.api.common.TornadoDevice;

import java.util.ArrayList;
import java.util.List;

/**
 * Runs every kernel of the backend on one device against its plain-Java twin (the CPU engine's own
 * code, through {@code CpuKernelTwins} where it is not public) on small seeded random inputs:
 * the rows of {@code llada2 selftest} and of the kernel parity tests. A kernel that fails to compile
 * or crashes gives a failed row with the cause; the others still run.
 */
public final class KernelSelfTest {

    private KernelSelfTest() {
    }

    public static List<KernelCheck> run(TornadoDevice device) {
        SelfTestSupport s = new SelfTestSupport(device, 20261127L);
        List<KernelCheck> rows = new ArrayList<>();
        rows.add(SelfTestSupport.guarded("WeightDecode (BF16, F16, F32 host twins)", WeightDecodeCheck::run));
        rows.add(SelfTestSupport.guarded("WeightDecode.block (Q8_0, Q4_K, Q6_K host twins)",
                WeightDecodeCheck::blocks));
        rows.addAll(new DenseKernelChecks(s).run());
        rows.addAll(new AttentionKernelChecks(s).run());
        rows.addAll(new MoeKernelChecks(s).run());
        rows.addAll(new HeadKernelChecks(s).run());
        rows.addAll(new QuantizedKernelChecks(s).run());
        return rows;
    }
}
