package dev.llada2.tokenizer;

import dev.llada2.errors.LladaException;
import org.junit.jupiter.api.Test;

import static dev.llada2.tokenizer.TokenizerJsonBuilder.component;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PostProcessorTest {

    private static final String BERT_LIKE = """
            {"type": "TemplateProcessing",
             "single": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                        {"SpecialToken": {"id": "[SEP]", "type_id": 0}}],
             "pair": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                      {"SpecialToken": {"id": "[SEP]", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}},
                      {"SpecialToken": {"id": "[SEP]", "type_id": 1}}],
             "special_tokens": {"[CLS]": {"id": "[CLS]", "ids": [101], "tokens": ["[CLS]"]},
                                "[SEP]": {"id": "[SEP]", "ids": [102, 103], "tokens": ["[SEP]", "[SEP2]"]}}}""";

    @Test
    void templateSingleAndPair() {
        PostProcessor p = PostProcessor.parse(component(BERT_LIKE));
        assertArrayEquals(new int[]{101, 7, 8, 102, 103}, p.apply(new int[]{7, 8}, null));
        assertArrayEquals(new int[]{101, 7, 102, 103, 9, 102, 103}, p.apply(new int[]{7}, new int[]{9}));
        assertArrayEquals(new int[]{101, 102, 103}, p.apply(new int[0], null));
    }

    @Test
    void byteLevelSequenceAndNullKeepIds() {
        assertArrayEquals(new int[]{1, 2, 3}, PostProcessor.parse(component(
                "{\"type\": \"ByteLevel\", \"add_prefix_space\": true, \"trim_offsets\": false}")).apply(new int[]{1, 2}, new int[]{3}));
        assertArrayEquals(new int[]{1, 2}, PostProcessor.parse(component("null")).apply(new int[]{1, 2}, null));
        PostProcessor seq = PostProcessor.parse(component("{\"type\": \"Sequence\", \"processors\": [{\"type\": \"ByteLevel\"}, "
                + BERT_LIKE + "]}"));
        assertArrayEquals(new int[]{101, 5, 102, 103, 6, 102, 103}, seq.apply(new int[]{5}, new int[]{6}));
    }

    @Test
    void malformedTemplates() {
        LladaException e = assertThrows(LladaException.class, () -> PostProcessor.parse(component(
                "{\"type\": \"TemplateProcessing\", \"single\": [{\"SpecialToken\": {\"id\": \"<bos>\", \"type_id\": 0}}],"
                        + " \"pair\": [], \"special_tokens\": {}}")));
        assertTrue(e.getMessage().contains("component.single[0].SpecialToken: special token \"<bos>\" is not defined"),
                e.getMessage());
        e = assertThrows(LladaException.class, () -> PostProcessor.parse(component(
                "{\"type\": \"TemplateProcessing\", \"single\": [{\"Sequence\": {\"id\": \"B\", \"type_id\": 0}}],"
                        + " \"pair\": [], \"special_tokens\": {}}")));
        assertTrue(e.getMessage().contains("component.single[0]: the single-sequence template cannot use sequence B"),
                e.getMessage());
        e = assertThrows(LladaException.class, () -> PostProcessor.parse(component("{\"type\": \"RobertaProcessing\"}")));
        assertTrue(e.getMessage().contains("post_processor type \"RobertaProcessing\" is not supported"), e.getMessage());
    }
}
