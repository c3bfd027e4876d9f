package dev.llada2.tornado;

import dev.llada2.backend.cpu.CpuEngine;
import dev.llada2.runtime.AttentionMask;
import dev.llada2.runtime.Engine;
import dev.llada2.runtime.ForwardRequest;
import dev.llada2.runtime.ForwardResult;
import dev.llada2.runtime.HeadRequest;
import dev.llada2.testing.GoldenAssertions;
import dev.llada2.testing.VariantConfigs;
import dev.llada2.trace.TraceSink;
import dev.llada2.weights.LoadedModel;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

/**
 * The TornadoVM engine against the CPU engine on configurations beyond the golden models (see
 * {@link VariantConfigs}): logits of a 40-token forward, block-causal and bidirectional, within the
 * golden fp32 tolerance.
 */
class TornadoVariantConfigsTest {

    @TempDir
    Path tmp;

    @TestFactory
    List<DynamicTest> tornadoMatchesTheCpuEngineOnEveryVariant() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String variant : VariantConfigs.VARIANTS.keySet()) {
            tests.add(DynamicTest.dynamicTest(variant, () -> {
                try (LoadedModel m = LoadedModel.open(VariantConfigs.write(variant, tmp.resolve(variant)));
                     Engine cpu = CpuEngine.singleDevice(m.weights());
                     Engine tornado = new TornadoEngine(m.weights(), TestEngines.device())) {
                    int[] ids = IntStream.range(0, 40).map(i -> (i * 37) % 500).toArray();
                    int[] rows = IntStream.range(0, ids.length).toArray();
                    for (AttentionMask mask : List.of(new AttentionMask.BlockCausal(32), new AttentionMask.Bidirectional())) {
                        ForwardRequest r = new ForwardRequest(ids, 0, mask, false, new HeadRequest.Logits(rows),
                                TraceSink.NONE);
                        cpu.resetCache();
                        tornado.resetCache();
                        ForwardResult want = cpu.forward(r);
                        ForwardResult got = tornado.forward(r);
                        for (int i = 0; i < rows.length; i++) {
                            GoldenAssertions.hidden(variant + " " + mask + " row " + i, want.logits()[i], got.logits()[i],
                                    false);
                        }
                    }
                }
            }));
        }
        return tests;
    }
}
