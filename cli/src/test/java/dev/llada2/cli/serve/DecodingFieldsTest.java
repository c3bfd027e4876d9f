package dev.llada2.cli.serve;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llada2.decode.DecodeOptions;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Request fields over the server's defaults: overrides, the rule switch, the context limit. */
class DecodingFieldsTest {

    static final DecodeOptions JOINT_SERVER = DecodeOptions.defaults(7, 9).withJoint(0.3, 4, 0.0);

    static DecodeOptions read(String json, DecodeOptions base, int promptLength) throws Exception {
        return DecodingFields.read(new Fields(new ObjectMapper().readTree(json), ""), base, promptLength, "prompt",
                256, 100);
    }

    @Test
    void requestFieldsOverrideTheServerDefaults() throws Exception {
        DecodeOptions o = read("{\"max_tokens\": 20, \"temperature\": 0.5, \"top_p\": 0.9, \"top_k\": 40, \"seed\": 3,"
                + " \"block_length\": 8, \"threshold\": 0.8, \"penalty_lambda\": 1.5}", DecodeOptions.defaults(7, 9), 4);
        assertEquals(20, o.genLength());
        assertEquals(0.5, o.temperature());
        assertEquals(0.9, o.topP());
        assertEquals(40, o.topK());
        assertEquals(3, o.seed());
        assertEquals(8, o.blockLength());
        assertEquals(0.8, o.threshold());
        assertEquals(1.5, o.penaltyLambda());
        assertEquals(7, o.eosId());
        assertEquals(-1, read("{\"ignore_eos\": true}", DecodeOptions.defaults(7, 9), 4).eosId());
        assertEquals(0, read("{\"top_k\": -1}", DecodeOptions.defaults(7, 9), 4).topK(), "-1: off");
    }

    @Test
    void switchingTheRuleTakesThatRulesDefaults() throws Exception {
        DecodeOptions same = read("{}", JOINT_SERVER, 4);
        assertEquals(0.3, same.editThreshold());
        assertEquals(4, same.maxPostEditSteps());
        DecodeOptions threshold = read("{\"decoding\": \"threshold\"}", JOINT_SERVER, 4);
        assertEquals(DecodeOptions.Decoding.THRESHOLD, threshold.decoding());
        assertEquals(DecodeOptions.DEFAULT_THRESHOLD, threshold.threshold(), "not the joint server's 0.95/0.5");
        DecodeOptions joint = read("{\"decoding\": \"joint\"}", DecodeOptions.defaults(7, 9), 4);
        assertEquals(DecodeOptions.DEFAULT_JOINT_THRESHOLD, joint.threshold());
        assertEquals(DecodeOptions.DEFAULT_MAX_POST_EDIT_STEPS, joint.maxPostEditSteps());
    }

    @Test
    void lengthDefaultsToTheServersShortenedToTheContext() throws Exception {
        // Context 256 in blocks of 32: a prompt of 200 leaves 56 positions.
        assertEquals(56, read("{}", DecodeOptions.defaults(7, 9), 200).genLength());
        assertEquals(246, read("{}", DecodeOptions.defaults(7, 9), 10).genLength(), "256 asked, 246 fit");
        ApiError e = assertThrows(ApiError.class, () -> read("{\"max_tokens\": 57}", DecodeOptions.defaults(7, 9), 200));
        assertEquals(400, e.status());
        assertEquals("max_tokens", e.json().at("/error/param").asText());
        ApiError full = assertThrows(ApiError.class, () -> read("{}", DecodeOptions.defaults(7, 9), 256));
        assertEquals("prompt", full.json().at("/error/param").asText());
    }
}
