package dev.llada2.profiles;

import dev.llada2.errors.LladaException;

import java.util.ServiceLoader;

/** Finds the {@link DeviceBackendProvider} of a backend, or explains how to get one. */
final class BackendProviders {

    private BackendProviders() {
    }

    /**
     * @param what what needs the backend, e.g. "profile gpu1x80-mini (...) uses tornado devices gpu0 (tornado:0:0)"
     * @throws LladaException (runtime) when this build has no provider for {@code backend}
     */
    static DeviceBackendProvider require(String backend, String what) {
        return ServiceLoader.load(DeviceBackendProvider.class).stream()
                .map(ServiceLoader.Provider::get)
                .filter(p -> p.backend().equals(backend))
                .findFirst()
                .orElseThrow(() -> LladaException.runtime(what + ", but the TornadoVM backend is not available in"
                        + " this build. Install a TornadoVM SDK (a -jdk25 release of github.com/beehive-lab/TornadoVM),"
                        + " set TORNADOVM_HOME to it and rebuild, so that scripts/env.sh adds the tornado-tasks module"
                        + " (README, \"TornadoVM\"); or use a CPU profile (--profile cpu)."));
    }
}
