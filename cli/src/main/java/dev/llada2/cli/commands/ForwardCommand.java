package dev.llada2.cli.commands;

import dev.llada2.checkpoint.DType;
import dev.llada2.checkpoint.SafetensorsWriter;
import dev.llada2.checkpoint.TensorReader;
import dev.llada2.cli.options.EngineOptions;
import dev.llada2.cli.options.ModelOptions;
import dev.llada2.runtime.AttentionMask;
import dev.llada2.runtime.Engine;
import dev.llada2.runtime.ForwardRequest;
import dev.llada2.runtime.ForwardResult;
import dev.llada2.runtime.HeadRequest;
import dev.llada2.runtime.NonFiniteCheck;
import dev.llada2.trace.ForwardTrace;
import dev.llada2.weights.LoadedModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/** {@code llada2 forward}: one forward pass, every intermediate written to safetensors. */
@Command(name = "forward", mixinStandardHelpOptions = true,
        description = "Runs one forward pass over the given ids and writes the logits and intermediates to a"
                + " safetensors file, named like ../shared/golden/*/forward.safetensors without the case prefix:"
                + " F32 logits [L,V], embeddings [L,H], layer_out/attn_out/mlp_out [layers,L,H], final_hidden [L,H];"
                + " per MoE layer l: I32 router.layer{l}.topk_idx [L,k] (descending biased score), F32"
                + " router.layer{l}.topk_weight [L,k] and router.layer{l}.logits [L,E]. For checking a port against a"
                + " reference.",
        footerHeading = "%nExamples:%n",
        footer = {"  llada2 forward --model ../shared/models/tiny --ids 442,294,63,507 --out /tmp/fwd.safetensors",
                "  llada2 forward --model DIR --ids 1,2,3 --attention bidirectional --out /tmp/bidi.safetensors"})
public final class ForwardCommand extends LladaCommand {

    @Mixin
    ModelOptions model;

    @Mixin
    EngineOptions engineOptions;

    @Option(names = "--ids", required = true, split = ",", paramLabel = "ID,ID,...",
            description = "Input token ids (positions 0..L-1).")
    int[] ids;

    @Option(names = "--attention", defaultValue = "block-causal", paramLabel = "block-causal|bidirectional",
            description = "Attention mask (default: ${DEFAULT-VALUE}): block-causal as generate() uses, or none.")
    String attention;

    @Option(names = "--block-length", defaultValue = "32", description = "Block length of the block-causal mask"
            + " (default: ${DEFAULT-VALUE}).")
    int blockLength;

    @Option(names = {"-o", "--out"}, required = true, paramLabel = "FILE.safetensors",
            description = "Output file (written under a temporary name, renamed when complete).")
    Path out;

    @Option(names = "--force", description = "Replace FILE if it exists (never a file of the model being read).")
    boolean force;

    @Override
    public Integer call() {
        AttentionMask mask = switch (attention) {
            case "block-causal" -> new AttentionMask.BlockCausal(blockLength);
            case "bidirectional" -> new AttentionMask.Bidirectional();
            default -> throw usage("--attention must be block-causal or bidirectional, not '" + attention + "'");
        };
        requireOutputFile("--out", out, force, model.dir);
        engineOptions.validate();
        try (LoadedModel m = model.open(err(), false); Engine engine = engineOptions.create(m, err(), false)) {
            ForwardTrace trace = new ForwardTrace();
            ForwardResult r = engine.forward(new ForwardRequest(ids, 0, mask, false,
                    new HeadRequest.Logits(IntStream.range(0, ids.length).toArray()), trace));
            int vocab = m.config().vocabSize();
            float[] logits = new float[ids.length * vocab];
            for (int i = 0; i < ids.length; i++) {
                System.arraycopy(r.logits()[i], 0, logits, i * vocab, vocab);
            }
            List<SafetensorsWriter.Entry> entries = new ArrayList<>();
            entries.add(floats("logits", logits, new long[] {ids.length, vocab}));
            for (Map.Entry<String, ForwardTrace.Tensor> e : trace.tensors().entrySet()) {
                long[] shape = IntStream.of(e.getValue().shape()).asLongStream().toArray();
                entries.add(e.getValue().isInt() ? ints(e.getKey(), e.getValue().ints(), shape)
                        : floats(e.getKey(), e.getValue().floats(), shape));
            }
            SafetensorsWriter.write(out, entries, Map.of("ids", java.util.Arrays.toString(ids), "attention", attention),
                    (fills, file) -> fills.forEach(Runnable::run));
            err().println("llada2: wrote " + entries.size() + " tensors to " + out);
            int bad = NonFiniteCheck.firstBadRow(r);
            if (bad >= 0) {
                throw NonFiniteCheck.failure(engine, ids, mask, bad);
            }
        }
        return 0;
    }

    private static SafetensorsWriter.Entry floats(String name, float[] data, long[] shape) {
        return new SafetensorsWriter.Entry(name, DType.F32, shape, (seg, e) -> {
            for (int i = 0; i < data.length; i++) {
                seg.set(TensorReader.FLOAT_LE, 4L * i, data[i]);
            }
        });
    }

    private static SafetensorsWriter.Entry ints(String name, int[] data, long[] shape) {
        return new SafetensorsWriter.Entry(name, DType.I32, shape, (MemorySegment seg, SafetensorsWriter.Entry e) -> {
            for (int i = 0; i < data.length; i++) {
                seg.set(TensorReader.INT_LE, 4L * i, data[i]);
            }
        });
    }
}
