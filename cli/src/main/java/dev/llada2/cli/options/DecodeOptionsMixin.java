package dev.llada2.cli.options;

import dev.llada2.config.LLaDA2Config;
import dev.llada2.decode.DecodeOptions;
import dev.llada2.decode.TokenIds;
import dev.llada2.errors.LladaException;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;

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

    @Option(names = "--decoding", defaultValue = "threshold", paramLabel = "threshold|joint",
            description = "threshold: LLaDA2.0's rule, fill masked positions, never revise (default);"
                    + " joint: LLaDA2.1's token editing, also rewrite generated tokens of the current block.")
    public String decoding;

    @Option(names = "--threshold", description = "Fill every masked position with confidence above this (default: "
            + DecodeOptions.DEFAULT_THRESHOLD + "; " + DecodeOptions.DEFAULT_JOINT_THRESHOLD + " with --decoding joint).")
    public Double threshold;

    @Option(names = "--edit-threshold", description = "--decoding joint: rewrite a generated token whose prediction"
            + " changed with confidence above this (default: " + DecodeOptions.DEFAULT_EDIT_THRESHOLD + ").")
    public Double editThreshold;

    @Option(names = "--max-post-edit-steps", description = "--decoding joint: forwards a block may run after its last"
            + " mask is filled (default: " + DecodeOptions.DEFAULT_MAX_POST_EDIT_STEPS + ").")
    public Integer maxPostEditSteps;

    @Option(names = "--penalty-lambda", defaultValue = "" + DecodeOptions.DEFAULT_PENALTY_LAMBDA,
            description = "Subtract this from the logit of the token just left of each position (not the block's"
                    + " first) before choosing (default: ${DEFAULT-VALUE} = off).")
    public double penaltyLambda;

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

    @Option(names = "--allow-long-context", description = "Run even when prompt + --gen-length exceed the model's"
            + " context (max_position_embeddings); positions past it were never trained.")
    boolean allowLongContext;

    /**
     * Refuses a prompt whose generation needs more positions than the model's context (bad input,
     * exit 3) unless {@code --allow-long-context}, which warns.
     */
    public void checkContext(LLaDA2Config config, DecodeOptions o, int promptLength, PrintWriter log) {
        int needed = o.positions(promptLength);
        int context = config.maxPositionEmbeddings();
        if (needed > context) {
            String what = "the prompt (" + promptLength + " tokens) and --gen-length " + o.genLength() + " need " + needed
                    + " positions (whole blocks of " + o.blockLength() + "), more than the model's context of " + context
                    + " (max_position_embeddings)";
            if (!allowLongContext) {
                throw LladaException.input(what + "; shorten them, or pass --allow-long-context to run anyway");
            }
            log.println("llada2: warning: " + what + "; running anyway (--allow-long-context): expect degraded output");
        }
    }

    /**
     * The options, or a usage error (exit code 2) naming the flag whose value is out of range or that
     * does not apply to the chosen rule; {@code --eos-id} and {@code --mask-id} must lie in
     * the vocabulary of {@code vocabSize} tokens.
     */
    public DecodeOptions toOptions(TokenIds ids, int vocabSize) {
        requireInVocabulary("--eos-id", eosId, vocabSize);
        requireInVocabulary("--mask-id", maskId, vocabSize);
        int eos = noEos ? -1 : (eosId != null ? eosId : ids.eos());
        int mask = maskId != null ? maskId : ids.mask();
        DecodeOptions.Decoding rule = decoding();
        if (rule == DecodeOptions.Decoding.THRESHOLD && (editThreshold != null || maxPostEditSteps != null)) {
            throw usage("--edit-threshold and --max-post-edit-steps apply to --decoding joint");
        }
        if (rule == DecodeOptions.Decoding.JOINT && (given("--steps") || given("--minimal-topk"))) {
            throw usage("--steps and --minimal-topk apply to --decoding threshold (the joint rule runs a block until"
                    + " nothing changes, at most --block-length + --max-post-edit-steps forwards)");
        }
        double t = threshold != null ? threshold : rule == DecodeOptions.Decoding.JOINT
                ? DecodeOptions.DEFAULT_JOINT_THRESHOLD : DecodeOptions.DEFAULT_THRESHOLD;
        try {
            return new DecodeOptions(genLength, blockLength, steps, t, minimalTopk, temperature, topK, topP, seed, eos,
                    mask, !noEarlyStop, !noKvCache, rule,
                    editThreshold != null ? editThreshold : DecodeOptions.DEFAULT_EDIT_THRESHOLD,
                    maxPostEditSteps != null ? maxPostEditSteps : DecodeOptions.DEFAULT_MAX_POST_EDIT_STEPS,
                    penaltyLambda);
        } catch (LladaException e) {
            throw usage(e.getMessage());
        }
    }

    private void requireInVocabulary(String option, Integer id, int vocabSize) {
        if (id != null && id >= vocabSize) {
            throw usage(option + " " + id + " is outside the model's vocabulary 0.." + (vocabSize - 1));
        }
    }

    private DecodeOptions.Decoding decoding() {
        for (DecodeOptions.Decoding d : DecodeOptions.Decoding.values()) {
            if (d.label().equals(decoding)) {
                return d;
            }
        }
        throw usage("--decoding must be threshold or joint, got '" + decoding + "'");
    }

    private boolean given(String option) {
        return command.commandLine().getParseResult().hasMatchedOption(option);
    }

    private ParameterException usage(String message) {
        return new ParameterException(command.commandLine(), message);
    }

    public String eosSource(TokenIds ids) {
        return noEos ? "disabled" : eosId != null ? "--eos-id" : ids.eosSource();
    }

    public String maskSource(TokenIds ids) {
        return maskId != null ? "--mask-id" : ids.maskSource();
    }
}
