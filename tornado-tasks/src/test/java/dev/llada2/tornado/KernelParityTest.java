package dev.llada2.tornado;

import dev.llada2.backend.KernelCheck;
import dev.llada2.tornado.selftest.KernelSelfTest;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every kernel against its plain-Java twin on the test device, one test per self-test row
 * ({@link KernelSelfTest}: weight decode in three formats, embedding gather, RMSNorm, matmul with
 * split weights, SwiGLU, element-wise adds, QK-norm + RoPE + KV store and attention in four mask and
 * cache settings (one split over keys, four merged splits, across a split boundary) and two head
 * dimensions, the MoE chain, the LM head and the greedy reduction with planted ties).
 * Run alone: {@code POCL_DEVICES="pthread pthread" mvn $LLADA2_MVN_TORNADO test -pl tornado-tasks
 * -Dtest=KernelParityTest}.
 */
class KernelParityTest {

    @TestFactory
    List<DynamicTest> everyKernelMatchesItsTwin() {
        List<KernelCheck> rows = KernelSelfTest.run(TornadoDevices.resolve(TestEngines.device()));
        return rows.stream().map(r -> DynamicTest.dynamicTest(r.kernel(), () -> assertTrue(r.passed(),
                r.kernel() + ": max error " + r.maxError() + " > " + r.tolerance() + " (" + r.detail() + ")")))
                .toList();
    }
}
