package dev.llada2.cli.options;

import dev.llada2.decode.DecodeOptions;
import dev.llada2.decode.TokenIds;
import dev.llada2.errors.LladaException;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** The decoding flags shared by {@code generate}, {@code chat} and {@code bench}. */
public final class DecodeOptionsMixin {

    @Option(names = "--gen-length", defaultValue = "" + DecodeOptions.DEFAULT_GEN_LENGTH,
            description = "Tokens to generate (default: ${DEFAULT-VALUE}).")
    public int genLength;

    @Option(names = "--block-length", defaultValue = "" + DecodeOptions.DEFAULT_BLOCK_LENGTH,
            description = "Diffusion block length (default: ${DEFAULT-VALUE}).")
    public int blockLength;

    @Option(names = "--steps", defaultValue = "" + DecodeOptions.DEFAULT_STEPS,
            description = "Denoising steps per block (default: ${DEFAULT-VALUE}).")
    public int steps;

    @Option(names = "--threshold", defaultValue = "" + DecodeOptions.DEFAULT_THRESHOLD,
            description = "Commit every masked position with confidence above this (default: ${DEFAULT-VALUE}).")
    public double threshold;

    @Option(names = "--minimal-topk", defaultValue = "1", description = "Caps steps at gen-length / this"
            + " (default: ${DEFAULT-VALUE}).")
    public int minimalTopk;

    @Option(names = "--temperature", defaultValue = "0", description = "0 = greedy (default); > 0 samples.")
    public double temperature;

    @Option(names = "--top-k", defaultValue = "0", description = "Sampling: keep the k most likely tokens (0 = off).")
    public int topK;

    @Option(names = "--top-p", defaultValue = "1.0", description = "Sampling: nucleus probability (1 = off).")
    public double topP;

    @Option(names = "--seed", defaultValue = "0", description = "Sampling seed (default: ${DEFAULT-VALUE}).")
    public long seed;

    @Option(names = "--eos-id", description = "EOS token id (default: config eos_token_id, then pad_token_id, then"
            + " tokenizer <|endoftext|>, then 156892).")
    public Integer eosId;

    @Option(names = "--mask-id", description = "Mask token id (default: config mask_token_id, then tokenizer <|mask|>,"
            + " then 156895).")
    public Integer maskId;

    @Option(names = "--no-eos", description = "No EOS handling at all: always generate --gen-length tokens.")
    public boolean noEos;

    @Option(names = "--no-eos-early-stop", description = "Stop only after the block holding an EOS is finished (the"
            + " official generate() default) instead of as soon as the answer is complete.")
    public boolean noEarlyStop;

    @Option(names = "--no-kv-cache", description = "Recompute the whole window every step, as the official code does"
            + " (same output, much slower).")
    public boolean noKvCache;

    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    /** The options, or a usage error (exit code 2) naming the flag whose value is out of range. */
    public DecodeOptions toOptions(TokenIds ids) {
        int eos = noEos ? -1 : (eosId != null ? eosId : ids.eos());
        int mask = maskId != null ? maskId : ids.mask();
        try {
            return new DecodeOptions(genLength, blockLength, steps, threshold, minimalTopk, temperature, topK, topP,
                    seed, eos, mask, !noEarlyStop, !noKvCache);
        } catch (LladaException e) {
            throw new ParameterException(command.commandLine(), e.getMessage());
        }
    }

    public String eosSource(TokenIds ids) {
        return noEos ? "disabled" : eosId != null ? "--eos-id" : ids.eosSource();
    }

    public String maskSource(TokenIds ids) {
        return maskId != null ? "--mask-id" : ids.maskSource();
    }
}
