package dev.llada2.tornado.plan;

import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.enums.TornadoVMBackendType;

/**
 * The OpenCL compiler flags of every plan the backend runs. TornadoVM's default
 * ({@code -cl-mad-enable -cl-fast-relaxed-math -w}) lets the driver approximate exp and division and
 * assume there are no infinities, while the kernels start their max-reductions at -inf and the
 * golden cases are exact; so the kernels are built with IEEE semantics ({@code -w} only: no
 * warnings). Plain a*b+c may still contract to an FMA, OpenCL C's default, as the CPU engine's
 * Vector API FMAs do. {@code -Dllada2.opencl.compiler.flags=...} replaces them (experiments only).
 */
public final class CompilerFlags {

    /** The flags in use. */
    public static final String OPENCL = System.getProperty("llada2.opencl.compiler.flags", "-w");

    private CompilerFlags() {
    }

    /** Sets the flags on a plan (for all its graphs). */
    public static void apply(TornadoExecutionPlan plan) {
        plan.withCompilerFlags(TornadoVMBackendType.OPENCL, OPENCL);
    }
}
