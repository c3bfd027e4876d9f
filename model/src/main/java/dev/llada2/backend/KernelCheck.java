package dev.llada2.backend;

/**
 * One row of a backend self-test: a kernel run on a device against its CPU twin.
 *
 * @param kernel    kernel (or task) name
 * @param maxError  largest absolute difference from the twin
 * @param tolerance what the check allowed
 * @param passed    {@code maxError <= tolerance} (and, for discrete outputs, exact equality)
 * @param detail    shapes, timing or the failure's cause
 */
public record KernelCheck(String kernel, double maxError, double tolerance, boolean passed, String detail) {
}
