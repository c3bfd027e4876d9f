package dev.llada2.tornado;

import dev.llada2.backend.DeviceId;
import dev.llada2.testing.Golden;
import dev.llada2.weights.LoadedModel;

import java.util.HashMap;
import java.util.Map;

/**
 * Engines shared by the test classes of this module: creating a TornadoVM engine JIT-compiles some
 * fifty kernels, which takes tens of seconds on PoCL, so each golden model gets one engine per JVM
 * (tests reset its cache; it is released when the JVM exits). Tests run on {@code tornado:0:0}, or
 * the device named by {@code -Dllada2.test.device}; a missing device fails with TornadoVM's list.
 */
final class TestEngines {

    private static final Map<String, TornadoEngine> ENGINES = new HashMap<>();
    private static final Map<String, LoadedModel> MODELS = new HashMap<>();

    private TestEngines() {
    }

    static DeviceId device() {
        return DeviceId.parse(System.getProperty("llada2.test.device", "tornado:0:0"));
    }

    static synchronized LoadedModel model(String name) {
        return MODELS.computeIfAbsent(name, n -> LoadedModel.open(Golden.of(n).modelDir()));
    }

    /** The shared engine of a golden model, with its cache empty. */
    static synchronized TornadoEngine engine(String name) {
        TornadoEngine e = ENGINES.computeIfAbsent(name, n -> new TornadoEngine(model(n).weights(), device()));
        e.resetCache();
        return e;
    }
}
