package dev.llada2.tornado;

import dev.llada2.backend.BackendProvider;
import dev.llada2.backend.DeviceAssignment;
import dev.llada2.backend.DeviceId;
import dev.llada2.backend.DeviceInfo;
import dev.llada2.backend.DeviceMeasurement;
import dev.llada2.backend.KernelCheck;
import dev.llada2.config.LLaDA2Config;
import dev.llada2.errors.LladaException;
import dev.llada2.runtime.Engine;
import dev.llada2.runtime.Placement;
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

    /**
     * A pipeline over TornadoVM devices: the placement must be a layer split (each layer's routed
     * experts with the layer, the embedding with the first layer, the head with the last). Expert
     * parallelism and CPU-resident experts exist for CPU devices only; such placements are refused
     * with the reason.
     */
    @Override
    public Engine createEngine(LLaDA2Weights weights, List<DeviceAssignment> devices, Placement placement) {
        requireUsable();
        if (devices.size() != placement.deviceCount()) {
            throw new IllegalArgumentException("placement is for " + placement.deviceCount() + " devices, got "
                    + devices.size());
        }
        if (devices.size() == 1) {
            return createEngine(weights, devices.getFirst().id());
        }
        List<String> cpu = devices.stream().filter(d -> d.id().isCpu()).map(DeviceAssignment::toString).toList();
        if (!cpu.isEmpty()) {
            throw LladaException.runtime("the TornadoVM engine runs placements over TornadoVM devices only; "
                    + String.join(", ", cpu) + " " + (cpu.size() == 1 ? "is a CPU device" : "are CPU devices")
                    + ". Mixing a TornadoVM device with CPU-resident experts is not implemented: use a layer split over"
                    + " TornadoVM devices, or an all-CPU profile");
        }
        int[] layers = placement.layerDevice();
        for (int l = 0; l < layers.length; l++) {
            for (int e = 0; e < placement.expertDevice()[l].length; e++) {
                if (placement.expertDevice()[l][e] != layers[l]) {
                    throw LladaException.runtime("the TornadoVM engine keeps a layer's routed experts on the layer's"
                            + " device, but expert " + e + " of layer " + l + " is placed on "
                            + devices.get(placement.expertDevice()[l][e]) + " and the layer on "
                            + devices.get(layers[l]) + ": expert parallelism runs on CPU devices only");
                }
            }
        }
        if (placement.embeddingDevice() != layers[0] || placement.headDevice() != layers[layers.length - 1]) {
            throw LladaException.runtime("the TornadoVM pipeline keeps the embedding with the first layer and the LM"
                    + " head with the last; this placement puts them on " + devices.get(placement.embeddingDevice())
                    + " and " + devices.get(placement.headDevice()));
        }
        return new TornadoEngine(weights, devices.stream().map(DeviceAssignment::id).toList(), layers,
                TornadoEngineOptions.defaults(weights.config()));
    }

    /** {@link TornadoDeviceProfiler#measure} with the default settings (512 MiB streamed, best of 5). */
    @Override
    public DeviceMeasurement measure(DeviceId device, LLaDA2Config shapes) {
        requireUsable();
        return TornadoDeviceProfiler.measure(device, shapes, TornadoDeviceProfiler.Settings.defaults());
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
