package dev.llada2.it.gguf;

import dev.llada2.checkpoint.DType;
import dev.llada2.checkpoint.quant.QuantScheme;
import dev.llada2.config.ConfigLoader;
import dev.llada2.config.LLaDA2Config;
import dev.llada2.profiles.BundledProfiles;
import dev.llada2.profiles.HostResources;
import dev.llada2.profiles.fit.Plan;
import dev.llada2.profiles.fit.PlanOptions;
import dev.llada2.profiles.fit.Planner;
import dev.llada2.profiles.fit.WeightDtypes;
import dev.llada2.testing.GgufModels;
import dev.llada2.weights.LoadedModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@code plan --quantize} counts exactly what {@code quantize} writes: for the K-block model (Q4_K,
 * Q6_K and F32 tensors) and a golden model (whose rows fall back to Q8_0), the planned weight bytes
 * per type equal the bytes of the GGUF file's tensors, and a plan of the GGUF file itself agrees.
 */
class QuantizedPlanTest {

    @TempDir
    Path tmp;

    @Test
    void plannedBytesEqualTheWrittenFile() {
        Path k = GgufModels.kBlockModel(tmp.resolve("k256"));
        Path tiny = dev.llada2.testing.SharedData.model("tiny");
        for (Path dir : new Path[] {k, tiny}) {
            LLaDA2Config config = ConfigLoader.load(dir);
            for (QuantScheme scheme : QuantScheme.values()) {
                Path gguf = GgufModels.quantize(dir, scheme, tmp.resolve(dir.getFileName() + "-" + scheme.cliName() + ".gguf"));
                Map<DType, Long> written = new EnumMap<>(DType.class);
                try (LoadedModel m = LoadedModel.open(gguf)) {
                    m.checkpoint().tensors().values().forEach(t -> written.merge(t.dtype(), t.byteSize(), Long::sum));
                    Plan fromFile = plan(m.config(), WeightDtypes.fromCheckpoint(m.checkpoint().dtypes(), m.config()));
                    assertEquals(written, fromFile.weightBytesByDtype(), dir.getFileName() + " " + scheme + " (plan of the file)");
                }
                Plan planned = plan(config, WeightDtypes.quantized(scheme, config));
                assertEquals(written, planned.weightBytesByDtype(), dir.getFileName() + " " + scheme + " (--quantize)");
            }
        }
    }

    private static Plan plan(LLaDA2Config config, WeightDtypes dtypes) {
        return Planner.plan(config, BundledProfiles.load("cpu"), PlanOptions.defaults(), dtypes, HostResources.detect());
    }
}
