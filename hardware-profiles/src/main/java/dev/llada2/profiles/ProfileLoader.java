package dev.llada2.profiles;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.llada2.backend.DeviceId;
import dev.llada2.errors.LladaException;
import dev.llada2.io.IoErrors;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * Reads hardware profiles (schema: {@code hardware-profiles/README.md}) from bundled resources or
 * files. Strict: unknown keys, wrong types, bad selectors, unknown or duplicate device ids,
 * overlapping layer ranges and fractions that cannot sum to 1 are errors
 * ({@link LladaException#input}, exit code 3) that name the file, the JSON path, what was expected
 * and what was found. Checks that need a model (layer and expert counts, rules matching nothing)
 * happen when planning.
 */
public final class ProfileLoader {

    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .build();

    private static final Set<String> TOP_KEYS = Set.of("name", "description", "devices", "placement");
    private static final Set<String> DEVICE_KEYS = Set.of("id", "backend", "selector", "threads", "memory_gb",
            "bandwidth_gbps", "matmul_gflops", "transfer_gbps");
    private static final Set<String> PLACEMENT_KEYS = Set.of("home", "embedding", "head", "layers", "experts",
            "expert_offload", "rules");
    private static final List<String> LAYER_AMOUNTS = List.of("count", "fraction", "range", "rest");
    private static final Set<String> LAYER_KEYS = Set.of("device", "count", "fraction", "range", "rest");
    private static final List<String> EXPERT_FORMS = List.of("split", "ranges");
    private static final Set<String> EXPERT_RANGE_KEYS = Set.of("device", "experts");
    private static final List<String> OFFLOAD_CHOICES = List.of("first_moe_layers", "layers", "fraction");
    private static final Set<String> OFFLOAD_KEYS = Set.of("device", "first_moe_layers", "layers", "fraction");
    private static final Set<String> RULE_KEYS = Set.of("pattern", "device");

    private ProfileLoader() {
    }

    /**
     * A bundled profile by name ({@link BundledProfiles#names()}), else a profile file.
     *
     * @throws LladaException (input) when neither exists or the profile is invalid
     */
    public static HardwareProfile load(String nameOrPath) {
        if (BundledProfiles.names().contains(nameOrPath)) {
            return BundledProfiles.load(nameOrPath);
        }
        Path file = Path.of(nameOrPath);
        if (!Files.exists(file)) {
            throw LladaException.input("profile \"" + nameOrPath + "\": no bundled profile of that name and no such"
                    + " file (bundled: " + String.join(", ", BundledProfiles.names()) + ")");
        }
        return load(file);
    }

    /** Reads a profile file. */
    public static HardwareProfile load(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw LladaException.input(file + ": profile file not found");
        } catch (IOException e) {
            throw LladaException.input(file + ": cannot read the profile: " + IoErrors.reason(file, e), e);
        }
        return parse(text, file.toString());
    }

    /**
     * Parses profile JSON.
     *
     * @param source where the text came from, used in every message
     */
    public static HardwareProfile parse(String json, String source) {
        return read(tree(json, source), source);
    }

    /** The JSON tree of a profile text (syntax errors with line and column). */
    static JsonNode tree(String json, String source) {
        try {
            JsonNode root = JSON.readTree(json);
            if (root == null) {
                throw LladaException.input(source + ": empty file, expected a profile object {\"name\": ...,"
                        + " \"devices\": [...]}");
            }
            return root;
        } catch (JsonProcessingException e) {
            throw LladaException.input(source + ": malformed JSON: " + e.getOriginalMessage() + " (line "
                    + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")", e);
        }
    }

    private static HardwareProfile read(JsonNode root, String source) {
        JsonObjectReader top = new JsonObjectReader(root, "$", source, TOP_KEYS);
        String name = top.requiredString("name");
        String description = top.optionalString("description").orElse("");
        if (!top.has("devices")) {
            throw top.error("$.devices", "required, expected a list of devices, found nothing");
        }
        List<JsonNode> deviceNodes = top.array("devices");
        List<DeviceSpec> devices = new ArrayList<>();
        for (int i = 0; i < deviceNodes.size(); i++) {
            devices.add(device(new JsonObjectReader(deviceNodes.get(i), "$.devices[" + i + "]", source, DEVICE_KEYS)));
        }
        PlacementSpec placement = top.child("placement")
                .map(p -> placement(new JsonObjectReader(p, "$.placement", source, PLACEMENT_KEYS)))
                .orElseGet(PlacementSpec::allOnFirstDevice);
        return build(top, () -> new HardwareProfile(name, description, devices, placement, source));
    }

    private static DeviceSpec device(JsonObjectReader r) {
        String id = r.requiredString("id");
        String backend = r.requiredString("backend");
        if (!DeviceId.BACKENDS.contains(backend)) {
            throw r.error(r.path("backend"), "expected " + DeviceId.BACKENDS.stream().map(b -> "\"" + b + "\"")
                    .collect(Collectors.joining(" or ")) + ", found \"" + backend + "\"");
        }
        Optional<String> selectorText = r.optionalString("selector");
        DeviceId selector;
        if (selectorText.isPresent()) {
            try {
                selector = DeviceId.parse(selectorText.get());
            } catch (LladaException e) {
                throw r.error(r.path("selector"), e.getMessage());
            }
            if (!selector.backend().equals(backend)) {
                throw r.error(r.path("selector"), "\"" + selector + "\" is a " + selector.backend()
                        + " device but backend is \"" + backend + "\"");
            }
        } else if (backend.equals(DeviceId.CPU.backend())) {
            selector = DeviceId.CPU;
        } else {
            throw r.error(r.path("selector"), "required for " + backend + " devices, expected \"tornado:B:D\","
                    + " found nothing");
        }
        return build(r, () -> new DeviceSpec(id, selector, r.optionalInt("threads"), r.optionalNumber("memory_gb"),
                r.optionalNumber("bandwidth_gbps"), r.optionalNumber("matmul_gflops"),
                r.optionalNumber("transfer_gbps")));
    }

    private static PlacementSpec placement(JsonObjectReader r) {
        List<LayerShare> layers = new ArrayList<>();
        List<JsonNode> layerNodes = r.array("layers");
        for (int i = 0; i < layerNodes.size(); i++) {
            layers.add(layerShare(new JsonObjectReader(layerNodes.get(i), r.path("layers") + "[" + i + "]",
                    r.source(), LAYER_KEYS)));
        }
        Optional<ExpertSplit> experts = r.child("experts").map(n -> expertSplit(
                new JsonObjectReader(n, r.path("experts"), r.source(), Set.copyOf(EXPERT_FORMS))));
        Optional<ExpertOffload> offload = r.child("expert_offload").map(n -> expertOffload(
                new JsonObjectReader(n, r.path("expert_offload"), r.source(), OFFLOAD_KEYS)));
        List<PlacementRule> rules = new ArrayList<>();
        List<JsonNode> ruleNodes = r.array("rules");
        for (int i = 0; i < ruleNodes.size(); i++) {
            JsonObjectReader rule = new JsonObjectReader(ruleNodes.get(i), r.path("rules") + "[" + i + "]",
                    r.source(), RULE_KEYS);
            String pattern = rule.requiredString("pattern");
            String device = rule.requiredString("device");
            rules.add(build(rule, () -> new PlacementRule(pattern, device, rule.path())));
        }
        return build(r, () -> new PlacementSpec(r.optionalString("home"), r.optionalString("embedding"),
                r.optionalString("head"), layers, experts, offload, rules));
    }

    private static LayerShare layerShare(JsonObjectReader r) {
        String device = r.requiredString("device");
        String amountKey = exactlyOne(r, LAYER_AMOUNTS);
        LayerShare.Amount amount = build(r, () -> switch (amountKey) {
            case "count" -> new LayerShare.Count(r.optionalInt("count").getAsInt());
            case "fraction" -> new LayerShare.Fraction(r.optionalNumber("fraction").getAsDouble());
            case "range" -> new LayerShare.Range(build(r, "range", () -> IndexRange.parse(r.optionalString("range").get())));
            default -> {
                if (!r.bool("rest", false)) {
                    throw r.error(r.path("rest"), "expected true (this stage takes the remaining layers), found false");
                }
                yield new LayerShare.Rest();
            }
        });
        return new LayerShare(device, amount, r.path());
    }

    private static ExpertSplit expertSplit(JsonObjectReader r) {
        String form = exactlyOne(r, EXPERT_FORMS);
        if (form.equals("split")) {
            List<String> devices = new ArrayList<>();
            List<JsonNode> nodes = r.array("split");
            for (int i = 0; i < nodes.size(); i++) {
                if (!nodes.get(i).isTextual()) {
                    throw r.error(r.path("split") + "[" + i + "]", "expected a device id (string), found "
                            + JsonObjectReader.describe(nodes.get(i)));
                }
                devices.add(nodes.get(i).asText());
            }
            return build(r, () -> new ExpertSplit.Even(devices, r.path("split")));
        }
        List<ExpertSplit.ExpertRange> ranges = new ArrayList<>();
        List<JsonNode> nodes = r.array("ranges");
        for (int i = 0; i < nodes.size(); i++) {
            JsonObjectReader e = new JsonObjectReader(nodes.get(i), r.path("ranges") + "[" + i + "]", r.source(),
                    EXPERT_RANGE_KEYS);
            String device = e.requiredString("device");
            IndexRange experts = build(e, "experts", () -> IndexRange.parse(e.requiredString("experts")));
            ranges.add(new ExpertSplit.ExpertRange(device, experts, e.path()));
        }
        return build(r, () -> new ExpertSplit.Ranges(ranges));
    }

    private static ExpertOffload expertOffload(JsonObjectReader r) {
        String device = r.requiredString("device");
        String choice = exactlyOne(r, OFFLOAD_CHOICES);
        ExpertOffload.Layers layers = build(r, () -> switch (choice) {
            case "first_moe_layers" -> new ExpertOffload.FirstMoeLayers(r.optionalInt(choice).getAsInt());
            case "layers" -> new ExpertOffload.Range(build(r, "layers", () -> IndexRange.parse(r.optionalString(choice).get())));
            default -> new ExpertOffload.Fraction(r.optionalNumber(choice).getAsDouble());
        });
        return new ExpertOffload(device, layers, r.path());
    }

    /** The one key of {@code choices} the object has; an error when it has none or several. */
    private static String exactlyOne(JsonObjectReader r, List<String> choices) {
        List<String> present = r.present(choices);
        if (present.size() != 1) {
            throw r.error(r.path(), "expected exactly one of " + String.join(", ", choices) + ", found "
                    + (present.isEmpty() ? "none" : String.join(" and ", present)));
        }
        return present.getFirst();
    }

    /**
     * Runs a record constructor; its {@link IllegalArgumentException} becomes an input error at the
     * object's path (messages that start with {@code $} carry their own path).
     */
    private static <T> T build(JsonObjectReader r, Supplier<T> constructor) {
        try {
            return constructor.get();
        } catch (IllegalArgumentException e) {
            String m = e.getMessage();
            throw m.startsWith("$") ? LladaException.input(r.source() + ": " + m, e)
                    : LladaException.input(r.source() + ": " + r.path() + "." + m, e);
        }
    }

    /** As {@link #build(JsonObjectReader, Supplier)} for a parser of one key's value. */
    private static <T> T build(JsonObjectReader r, String key, Supplier<T> parser) {
        try {
            return parser.get();
        } catch (IllegalArgumentException e) {
            throw r.error(r.path(key), e.getMessage());
        }
    }
}
