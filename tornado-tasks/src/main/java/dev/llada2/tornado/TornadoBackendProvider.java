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
import dev.llada2.tornado.plan.HostExperts;
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
     * A pipeline over TornadoVM devices, optionally with routed experts elsewhere: layer homes (norms,
     * attention, KV cache, router, shared expert) on TornadoVM devices as a layer split (the embedding
     * with the first layer, the head with the last), each routed expert with its layer, on a CPU device
     * (host memory, llama.cpp's {@code --cpu-moe}) or on another TornadoVM device (expert parallelism),
     * see {@link HostExperts}. Refused with the reason: a layer home on a CPU device, the embedding or
     * head away from the first or last layer.
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
        int[] layers = placement.layerDevice();
        for (int l = 0; l < layers.length; l++) {
            if (devices.get(layers[l]).id().isCpu()) {
                throw LladaException.runtime("layer " + l + "'s home (norms, attention, KV cache, router, shared"
                        + " expert) is placed on " + devices.get(layers[l]) + ", a CPU device: inside a TornadoVM"
                        + " engine layer homes run on TornadoVM devices and only routed experts may live on CPU"
                        + " devices; move the layer to a TornadoVM device, or use an all-CPU profile");
            }
        }
        if (placement.embeddingDevice() != layers[0] || placement.headDevice() != layers[layers.length - 1]) {
            throw LladaException.runtime("the TornadoVM pipeline keeps the embedding with the first layer and the LM"
                    + " head with the last; this placement puts them on " + devices.get(placement.embeddingDevice())
                    + " and " + devices.get(placement.headDevice()));
        }
        return new TornadoEngine(weights, devices.stream().map(DeviceAssignment::id).toList(), layers,
                HostExperts.of(weights, devices, placement), TornadoEngineOptions.defaults(weights.config()));
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
        SignalChaining.warnOnceIfMissing(System.err);
    }
}
