package dev.llada2.cli.output;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llada2.decode.StepRecord;
import dev.llada2.errors.LladaException;
import dev.llada2.io.IoErrors;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code --trace FILE}: one JSON line per denoising forward, with the golden manifests' field names:
 * block, step, the positions filled (mask-to-token: {@code committed_positions}, {@code committed_tokens}),
 * the positions edited with their old and new tokens (token-to-token: {@code t2t_positions},
 * {@code t2t_old}, {@code t2t_new}; always empty under the threshold rule), path, action, masked count
 * and the schedule's count.
 */
public final class TraceWriter implements AutoCloseable {

    private final Path file;
    private final BufferedWriter out;

    public TraceWriter(Path file) {
        this.file = file;
        try {
            this.out = Files.newBufferedWriter(file);
        } catch (IOException e) {
            throw LladaException.input("--trace " + file + ": cannot write: " + IoErrors.reason(file, e), e);
        }
    }

    public void write(StepRecord s) {
        ObjectNode o = Json.object();
        o.put("block", s.block());
        o.put("step", s.step());
        o.set("committed_positions", Json.ints(s.committedPositions()));
        o.set("committed_tokens", Json.ints(s.committedTokens()));
        o.set("t2t_positions", Json.ints(s.editedPositions()));
        o.set("t2t_old", Json.ints(s.editedFrom()));
        o.set("t2t_new", Json.ints(s.editedTo()));
        o.put("path", s.path());
        o.put("action", s.action().label());
        o.put("n_masked_before", s.masked());
        o.put("num_transfer_scheduled", s.scheduled());
        try {
            out.write(o.toString());
            out.newLine();
            // one line per forward reaches the file at once: an interrupted run (Ctrl-C) keeps the forwards done
            out.flush();
        } catch (IOException e) {
            throw LladaException.runtime("--trace " + file + ": write failed: " + IoErrors.reason(file, e), e);
        }
    }

    @Override
    public void close() {
        try {
            out.close();
        } catch (IOException e) {
            throw LladaException.runtime("--trace " + file + ": close failed: " + IoErrors.reason(file, e), e);
        }
    }
}
