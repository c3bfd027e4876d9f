package dev.llada2.tornado;

import dev.llada2.backend.BackendProvider;
import dev.llada2.backend.DeviceId;
import dev.llada2.backend.DeviceInfo;
import dev.llada2.backend.KernelCheck;
import dev.llada2.errors.LladaException;
import dev.llada2.runtime.Engine;
import dev.llada2.tornado.selftest.KernelSelfTest;
import dev.llada2.weights.LLaDA2Weights;

import java.util.List;
import java.util.Optional;

/**
 * The TornadoVM backend ({@code tornado}), registered through {@code META-INF/services}. ServiceLoader
 * instantiates it even in a JVM started without TornadoVM's arguments; it touches TornadoVM only when
 * asked, and then reports such a JVM as "unavailable" with the reason instead of failing.
 */
public final class TornadoBackendProvider implements BackendProvider {

    @Override
    public String name() {
        return "tornado";
    }

    @Override
    public Optional<String> unavailableReason() {
        try {
            if (TornadoDevices.list().isEmpty()) {
                return Optional.of("TornadoVM is running but reports no device (check its OpenCL/PTX drivers, e.g."
                        + " `clinfo`)");
            }
            return Optional.empty();
        } catch (RuntimeException | LinkageError e) {
            return Optional.of("the TornadoVM runtime is not initialised in this JVM (" + e + "); start it with"
                    + " TornadoVM's JVM arguments (@$TORNADOVM_HOME/tornado-argfile, which ./llada2 adds)");
        }
    }

    @Override
    public List<DeviceInfo> devices() {
        requireUsable();
        return TornadoDevices.list();
    }

    @Override
    public Engine createEngine(LLaDA2Weights weights, DeviceId device) {
        requireUsable();
        return new TornadoEngine(weights, device);
    }

    @Override
    public List<KernelCheck> selfTest(DeviceId device) {
        requireUsable();
        return KernelSelfTest.run(TornadoDevices.resolve(device));
    }

    private void requireUsable() {
        unavailableReason().ifPresent(r -> {
            throw LladaException.runtime("backend tornado is not usable: " + r);
        });
    }
}
