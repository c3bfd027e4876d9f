package dev.llada2.tornado;

import dev.llada2.tornado.graphs.BuiltGraph;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.BitSet;

/**
 * Test-only window into TornadoVM 5.2's internals: the number of nodes of the graph TornadoVM builds
 * from a {@link BuiltGraph}'s tasks ({@code TornadoGraphBuilder.buildGraph} over the task graph's
 * execution context and encoded tasks, as {@code TornadoTaskGraph.compileGraphAndBuildVM} does), which
 * its public API does not expose. Read by reflection (the surefire argLine opens the packages), after
 * the graph ran once (its kernels' sketches, which give the argument accesses, exist then).
 */
final class TornadoGraphNodes {

    private TornadoGraphNodes() {
    }

    static int of(BuiltGraph g) {
        try {
            Object taskGraph = field(g.graph(), "taskGraph");
            Object impl = field(taskGraph, "taskGraphImpl");
            Object context = field(impl, "executionContext");
            byte[] code = (byte[]) field(impl, "highLevelCode");
            ByteBuffer encoded = (ByteBuffer) field(impl, "hlBuffer");
            ByteBuffer buffer = ByteBuffer.wrap(code).order(ByteOrder.LITTLE_ENDIAN);
            buffer.limit(encoded.position());
            Class<?> builder = Class.forName("uk.ac.manchester.tornado.runtime.graph.TornadoGraphBuilder");
            Method build = null;
            for (Method m : builder.getMethods()) {
                if (m.getName().equals("buildGraph")) {
                    build = m;
                }
            }
            Object graph = build.invoke(null, context, buffer);
            return ((BitSet) graph.getClass().getMethod("getValid").invoke(graph)).cardinality();
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("reading TornadoVM's graph of " + g.name(), e);
        }
    }

    private static Object field(Object o, String name) throws ReflectiveOperationException {
        for (Class<?> c = o.getClass(); c != null; c = c.getSuperclass()) {
            try {
                Field f = c.getDeclaredField(name);
                f.setAccessible(true);
                return f.get(o);
            } catch (NoSuchFieldException e) {
                // declared higher up
            }
        }
        throw new NoSuchFieldException(o.getClass().getName() + "." + name);
    }
}
