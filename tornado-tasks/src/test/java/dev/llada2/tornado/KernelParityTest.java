package dev.llada2.tornado;

import dev.llada2.backend.KernelCheck;
import dev.llada2.tornado.selftest.KernelSelfTest;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

class KernelParityTest {

    @TestFactory
    List<DynamicTest> everyKernelMatchesItsTwin() {
        List<KernelCheck> rows = KernelSelfTest.run(TornadoExecutionPlan.getDevice(0, 0));
        return rows.stream().map(r -> DynamicTest.dynamicTest(r.kernel(), () -> assertTrue(r.passed(),
                r.kernel() + ": max error " + r.maxError() + " > " + r.tolerance() + " (" + r.detail() + ")"))).toList();
    }
}
