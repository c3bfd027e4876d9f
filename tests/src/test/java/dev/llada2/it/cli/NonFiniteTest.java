package dev.llada2.it.cli;

import dev.llada2.arch.LLaDA2TensorNames;
import dev.llada2.checkpoint.SafetensorsFile;
import dev.llada2.checkpoint.TensorInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import static dev.llada2.testing.Messages.assertContains;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A checkpoint with one NaN weight: generation and forward stop with an error naming the layer where
 * the NaN first reaches the activations (not token -1 or all-NaN logits with exit 0), and
 * {@code info --check} names the tensor.
 */
class NonFiniteTest {

    @TempDir
    Path tmp;

    @Test
    void aNanWeightIsReportedWhereItAppears() throws Exception {
        Path model = tmp.resolve("model");
        assertEquals(0, Cli.run("init-random", "--out", model.toString()).exitCode());
        Cli clean = Cli.run("info", "--model", model.toString(), "--check");
        assertEquals(0, clean.exitCode(), clean.toString());
        assertContains(clean.out(), "every value is finite");

        String tensor = LLaDA2TensorNames.attentionOut(1);
        poke(model.resolve("model.safetensors"), tensor, 5, (short) 0x7FC0);

        Cli generate = Cli.run("generate", "--model", model.toString(), "--prompt-ids", "1,2,3", "--gen-length", "8",
                "--block-length", "8", "--backend", "cpu");
        assertEquals(4, generate.exitCode(), generate.toString());
        assertContains(generate.err(), "non-finite logits (NaN or Inf) at position 3",
                "they first appear in layer 1's attention output (attn_out, token 0)", "--check");
        assertFalse(generate.err().contains("token id -1"), generate.err());

        Cli cached = Cli.run("generate", "--model", model.toString(), "--prompt-ids", "1,2,3,4,5,6,7,8,9", "--gen-length",
                "8", "--block-length", "8", "--backend", "cpu");
        assertEquals(4, cached.exitCode(), cached.toString());
        assertContains(cached.err(), "layer 1's attention output (attn_out, token 0)");

        Path out = tmp.resolve("fwd.safetensors");
        Cli forward = Cli.run("forward", "--model", model.toString(), "--ids", "1,2", "--backend", "cpu", "--out",
                out.toString());
        assertEquals(4, forward.exitCode(), forward.toString());
        assertContains(forward.err(), "at position 0", "layer 1's attention output");
        assertTrue(Files.exists(out), "the intermediates are written for inspection");

        Cli check = Cli.run("info", "--model", model.toString(), "--check");
        assertEquals(3, check.exitCode(), check.toString());
        assertContains(check.out(), tensor + ": 1 NaN values (the first at element 5)");
        assertContains(check.err(), "1 tensors hold NaN or infinite values");
    }

    @Test
    void infinityInTheHeadIsTracedToTheHead() throws Exception {
        Path model = tmp.resolve("model");
        assertEquals(0, Cli.run("init-random", "--out", model.toString()).exitCode());
        poke(model.resolve("model.safetensors"), LLaDA2TensorNames.LM_HEAD, 64 * 7, (short) 0x7F80);
        Cli generate = Cli.run("generate", "--model", model.toString(), "--prompt-ids", "1,2,3", "--gen-length", "8",
                "--block-length", "8", "--backend", "cpu");
        assertEquals(4, generate.exitCode(), generate.toString());
        assertContains(generate.err(), "every layer's output is finite", "lm_head");
        Cli check = Cli.run("info", "--model", model.toString(), "--check");
        assertContains(check.out(), "lm_head.weight: 1 infinite values (the first at element 448)");
    }

    /** Writes one bf16 value into a tensor of a safetensors file. */
    private static void poke(Path file, String tensor, long element, short bf16) throws Exception {
        long offset;
        try (Arena arena = Arena.ofConfined()) {
            TensorInfo t = SafetensorsFile.open(file, arena).tensors().get(tensor);
            offset = t.fileOffset() + 2 * element;
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.allocate(2).order(java.nio.ByteOrder.LITTLE_ENDIAN).putShort(0, bf16), offset);
        }
    }
}
