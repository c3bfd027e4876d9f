package dev.llada2.it.engine;

import dev.llada2.backend.cpu.CpuEngine;
import dev.llada2.decode.BlockDiffusionDecoder;
import dev.llada2.decode.DecodeListener;
import dev.llada2.decode.DecodeOptions;
import dev.llada2.decode.DecodeResult;
import dev.llada2.decode.EngineDenoiser;
import dev.llada2.runtime.Engine;
import dev.llada2.testing.VariantConfigs;
import dev.llada2.weights.LoadedModel;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Configurations beyond the golden models (head_dim != hidden/heads, partial rotary, several shared
 * experts, several dense layers, other group limits, biases, no QK-norm, tied embeddings, top-1
 * routing, one KV head, no experts): each loads, and greedy generation with the prefix KV cache is
 * step for step identical to the uncached official loop.
 */
class VariantConfigsTest {

    @TempDir
    Path tmp;

    @TestFactory
    List<DynamicTest> cachedAndUncachedDecodingAgreeOnEveryVariant() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String variant : VariantConfigs.VARIANTS.keySet()) {
            tests.add(DynamicTest.dynamicTest(variant, () -> {
                try (LoadedModel m = LoadedModel.open(VariantConfigs.write(variant, tmp.resolve(variant)));
                     Engine engine = CpuEngine.singleDevice(m.weights())) {
                    int[] prompt = IntStream.range(0, 37).map(i -> (i * 53) % 400).toArray();
                    DecodeOptions o = new DecodeOptions(48, 16, 16, 0.5, 1, 0, 0, 1, 0, -1,
                            m.config().maskTokenId().orElseThrow(), true, true);
                    DecodeResult cached = BlockDiffusionDecoder.of(new EngineDenoiser(engine, true), o)
                            .generate(prompt, DecodeListener.NONE);
                    DecodeResult plain = BlockDiffusionDecoder.of(new EngineDenoiser(engine, false),
                            o.withKvCache(false)).generate(prompt, DecodeListener.NONE);
                    assertEquals(plain.steps().size(), cached.steps().size());
                    for (int s = 0; s < plain.steps().size(); s++) {
                        assertArrayEquals(plain.steps().get(s).committedTokens(), cached.steps().get(s).committedTokens(),
                                "step " + s);
                        assertArrayEquals(plain.steps().get(s).committedPositions(),
                                cached.steps().get(s).committedPositions(), "step " + s);
                    }
                    assertArrayEquals(plain.generatedIds(), cached.generatedIds());
                    assertEquals(48, cached.generatedIds().length);
                }
            }));
        }
        return tests;
    }
}
