package dev.llada2.tornado.graphs;

import uk.ac.manchester.tornado.api.ImmutableTaskGraph;

/**
 * A finished graph and what its declarations upload.
 *
 * @param uploadOnceBytes host-to-device bytes of its first execution ({@code FIRST_EXECUTION}: weights, tables,
 *                        caches, scratch)
 * @param uploadEachBytes host-to-device bytes of every execution ({@code EVERY_EXECUTION}: params, head rows)
 */
public record BuiltGraph(String name, ImmutableTaskGraph graph, long uploadOnceBytes, long uploadEachBytes) {
}
