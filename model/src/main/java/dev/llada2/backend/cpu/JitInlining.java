package dev.llada2.backend.cpu;

import javax.management.ObjectName;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Tells HotSpot's C2 to always inline the weight loads into {@link Tiles}, and Q8_0's widening of
 * its codes into Q8_0's one-row path ({@code Q8_0Cpu.accumulateRow}): compiler directives added at
 * run time through the JVM's diagnostic command {@code Compiler.directives_add}, so that
 * every JVM running the engine gets it (the CLI, the tests, JMH, an application embedding the
 * engine) without command-line flags.
 *
 * <p>Why: while the tiles still run interpreted or in C1, a weight load ({@link Tiles}'s
 * {@code weights} and the format's load under it) is called millions of times and C2 compiles it
 * on its own first. When C2 later compiles a tile, it inlines an already compiled callee only if
 * the call site's profile says it is frequent or the callee's code is small (under a quarter of
 * {@code InlineSmallCode}, 625 bytes; the BF16 and Q8_0 loads compile to 700–1000 bytes). Tiles
 * compiled while the profile was incomplete (tier-2 code keeps no call counts) therefore left the
 * loads as calls, every weight vector they returned was boxed, and the products allocated megabytes
 * and ran 2–4x slower for the rest of the run: a race that {@code TileAllocationTest} lost once in
 * CI for Q8_0 (3 MB per 256 x 2048 product). A forced inline ignores those heuristics. The cost is
 * paid once, when the first product runs: about 150 ms to start the JVM's platform MBean server.
 */
final class JitInlining {

    /** The callers and what they must inline, in HotSpot's directive syntax (JSON with comments). */
    private static final String DIRECTIVES = """
            [{
              match: ["dev/llada2/backend/cpu/Tiles*.*"],
              inline: ["+dev/llada2/backend/cpu/Tiles*.weights",
                       "+dev/llada2/backend/cpu/Tiles*.stepWeights",
                       "+dev/llada2/backend/cpu/format/CpuWeightFormat.bf16Lanes",
                       "+dev/llada2/backend/cpu/format/CpuWeightFormat.q8_0Lanes",
                       "+dev/llada2/backend/cpu/format/CpuWeightFormat.q8_0StepLanes",
                       "+dev/llada2/backend/cpu/format/Bf16Cpu.load",
                       "+dev/llada2/backend/cpu/format/Q8_0Cpu.load",
                       "+dev/llada2/backend/cpu/format/Q8_0Cpu.codes",
                       "+dev/llada2/backend/cpu/format/Q8_0Cpu.blockAt"]
            }, {
              match: ["dev/llada2/backend/cpu/format/Q8_0Cpu.accumulateRow"],
              inline: ["+dev/llada2/backend/cpu/format/Q8_0Cpu.codes"]
            }]
            """;

    private static final boolean INSTALLED = install();

    private JitInlining() {
    }

    /**
     * Installs the directive if this class loader has not yet; whether it is in place (false on a JVM
     * without HotSpot's diagnostic commands).
     */
    static boolean ensureInstalled() {
        return INSTALLED;
    }

    /**
     * Adds the directive once per class loader. A JVM that cannot take it (no {@code java.management}
     * or no HotSpot) still computes the same bits, only exposed to the race above; the engine does not
     * fail for it.
     */
    private static boolean install() {
        Path file = null;
        try {
            file = Files.createTempFile("llada2-jit-directives", ".json");
            Files.writeString(file, DIRECTIVES);
            Object added = ManagementFactory.getPlatformMBeanServer().invoke(
                    new ObjectName("com.sun.management:type=DiagnosticCommand"), "compilerDirectivesAdd",
                    new Object[] {new String[] {file.toString()}}, new String[] {String[].class.getName()});
            return String.valueOf(added).contains("2 compiler directives added");
        } catch (Exception | LinkageError e) {
            return false;
        } finally {
            if (file != null) {
                try {
                    Files.deleteIfExists(file);
                } catch (java.io.IOException ignored) {
                    // a temporary file left behind is harmless
                }
            }
        }
    }
}
