package dev.llada2.tokenizer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code post_processor} of a tokenizer.json: adds special tokens around the ids of an
 * encoded sequence (or pair of sequences); applied only when the caller asks for special tokens.
 * Supported types: {@code ByteLevel} (changes only offsets, so nothing here),
 * {@code TemplateProcessing}, {@code Sequence}; JSON {@code null} is none. Type ids and offsets
 * are not produced, so {@code type_id} and {@code trim_offsets} are read past.
 */
sealed interface PostProcessor {

    /**
     * The sequences after this processor: one or two in; a template joins them into one, the
     * others leave them as they are.
     */
    List<int[]> process(List<int[]> sequences);

    /** The final ids of one sequence ({@code second == null}) or of a pair. */
    default int[] apply(int[] first, int[] second) {
        List<int[]> out = process(second == null ? List.of(first) : List.of(first, second));
        IntList ids = new IntList(first.length + 4);
        out.forEach(ids::addAll);
        return ids.toArray();
    }

    PostProcessor NONE = new Sequence(List.of());

    record ByteLevel() implements PostProcessor {
        @Override
        public List<int[]> process(List<int[]> sequences) {
            return sequences;
        }
    }

    /** One element of a template: sequence A (0) or B (1), or the ids of a special token. */
    sealed interface Piece {
        record Sequence(int index) implements Piece {
        }

        record SpecialToken(String name, int[] ids) implements Piece {
        }
    }

    /** {@code single} is used for one sequence, {@code pair} for two. */
    record TemplateProcessing(List<Piece> single, List<Piece> pair) implements PostProcessor {
        @Override
        public List<int[]> process(List<int[]> sequences) {
            IntList ids = new IntList(16);
            for (Piece piece : sequences.size() == 1 ? single : pair) {
                switch (piece) {
                    case Piece.Sequence s -> ids.addAll(sequences.get(s.index()));
                    case Piece.SpecialToken t -> ids.addAll(t.ids());
                }
            }
            return List.of(ids.toArray());
        }
    }

    /** Applies each processor to what the previous one returned. */
    record Sequence(List<PostProcessor> processors) implements PostProcessor {

        public Sequence {
            processors = List.copyOf(processors);
        }

        @Override
        public List<int[]> process(List<int[]> sequences) {
            for (PostProcessor p : processors) {
                sequences = p.process(sequences);
            }
            return sequences;
        }
    }

    /** Reads a {@code post_processor} value (an object or null). */
    static PostProcessor parse(Json json) {
        if (json.isAbsent()) {
            return NONE;
        }
        String type = json.type();
        return switch (type) {
            case "ByteLevel" -> new ByteLevel();
            case "TemplateProcessing" -> template(json);
            case "Sequence" -> new Sequence(json.elements("processors").stream().map(PostProcessor::parse).toList());
            default -> throw json.get("type").unsupported("post_processor", type,
                    "ByteLevel, TemplateProcessing, Sequence");
        };
    }

    private static TemplateProcessing template(Json json) {
        Map<String, int[]> special = new HashMap<>();
        Json specialTokens = json.get("special_tokens");
        if (!specialTokens.isAbsent()) {
            for (Map.Entry<String, Json> entry : specialTokens.fields()) {
                List<Json> ids = entry.getValue().elements("ids");
                special.put(entry.getKey(), ids.stream().mapToInt(Json::integer).toArray());
            }
        }
        return new TemplateProcessing(pieces(json.get("single"), special, 1), pieces(json.get("pair"), special, 2));
    }

    private static List<Piece> pieces(Json template, Map<String, int[]> special, int sequences) {
        List<Piece> out = new ArrayList<>();
        for (Json element : template.elements()) {
            element.requireObject();
            if (!element.get("Sequence").isAbsent()) {
                String id = element.get("Sequence").string("id");
                int index = switch (id) {
                    case "A" -> 0;
                    case "B" -> 1;
                    default -> throw element.get("Sequence").get("id").error("expected \"A\" or \"B\", found \"" + id + "\"");
                };
                if (index >= sequences) {
                    throw element.error("the single-sequence template cannot use sequence B");
                }
                out.add(new Piece.Sequence(index));
            } else if (!element.get("SpecialToken").isAbsent()) {
                String id = element.get("SpecialToken").string("id");
                int[] ids = special.get(id);
                if (ids == null) {
                    throw element.get("SpecialToken").error("special token \"" + id
                            + "\" is not defined in this processor's special_tokens");
                }
                out.add(new Piece.SpecialToken(id, ids));
            } else {
                throw element.error("expected {\"Sequence\": ...} or {\"SpecialToken\": ...}");
            }
        }
        return out;
    }
}
