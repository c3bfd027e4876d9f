package dev.llada2.profiles.fit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llada2.checkpoint.DType;
import dev.llada2.config.LLaDA2Config;
import dev.llada2.profiles.DeviceSpec;
import dev.llada2.profiles.IndexRange;
import dev.llada2.runtime.Placement;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/** A {@link Plan} for people ({@link #render}, the {@code llada2 plan} table) and for tools ({@link #json}). */
public final class PlanReport {

    private static final ObjectMapper JSON = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();
    private static final String[] HEADER = {"device", "backend", "threads", "weights", "KV", "work", "total",
            "budget", "use", "holds"};

    private PlanReport() {
    }

    /** A header, one row per device, a totals row, and whether it fits with suggestions if not. */
    public static String render(Plan plan) {
        PlanOptions o = plan.options();
        StringBuilder sb = new StringBuilder();
        sb.append("Plan: profile ").append(plan.profile().name()).append(" (").append(plan.profile().devices().size())
                .append(plan.profile().devices().size() == 1 ? " device" : " devices").append(") for ")
                .append(plan.config().source()).append('\n');
        sb.append("  model: ").append(plan.config().summary()).append('\n');
        sb.append("  weights: ").append(dtypes(plan.weightBytesByDtype()))
                .append(o.weightDtype().isPresent() ? " (type overridden)" : "").append('\n');
        sb.append(String.format(Locale.ROOT, "  KV cache: fp32, %d positions (prompt %d + gen %d, whole blocks of %d);"
                + " work: one %d-token block forward%n", o.kvPositions(), o.promptLength(), o.genLength(),
                o.blockLength(), o.blockLength()));
        List<String[]> rows = new ArrayList<>();
        rows.add(HEADER);
        for (DeviceLoad d : plan.devices()) {
            DeviceSpec s = d.device();
            rows.add(new String[] {s.id(), s.selector().toString(),
                    d.threads().isPresent() ? Integer.toString(d.threads().getAsInt()) : "-",
                    Sizes.format(d.weightBytes()), Sizes.format(d.kvBytes()), Sizes.format(d.workBytes()),
                    Sizes.format(d.totalBytes()), Sizes.format(d.budgetBytes()), percent(d.budgetFraction())
                            + (d.fits() ? "" : " !"), String.join("; ", d.holds())});
        }
        rows.add(new String[] {"total", "", "", Sizes.format(plan.totalWeightBytes()), Sizes.format(plan.totalKvBytes()),
                Sizes.format(plan.totalWorkBytes()), Sizes.format(plan.totalBytes()), Sizes.format(plan.totalBudgetBytes()),
                percent((double) plan.totalBytes() / plan.totalBudgetBytes()), ""});
        table(sb, rows);
        Crossings x = Crossings.of(plan);
        if (x.total() > 0) {
            List<String> perDevice = new ArrayList<>();
            for (int d = 0; d < plan.devices().size(); d++) {
                if (x.inBytes()[d] + x.outBytes()[d] > 0) {
                    perDevice.add(plan.devices().get(d).device().id() + " sends " + Sizes.format(x.outBytes()[d])
                            + ", receives " + Sizes.format(x.inBytes()[d]));
                }
            }
            sb.append("crosses between devices per block forward: ").append(Sizes.format(x.total()))
                    .append(" (expected under uniform routing; ").append(String.join("; ", perDevice)).append(")\n");
        }
        plan.estimatedForwardSeconds().ifPresentOrElse(
                t -> sb.append(String.format(Locale.ROOT, "estimated block forward: >= %.1f ms (weights read / measured"
                        + " bandwidth)%n", t * 1e3)),
                () -> sb.append("estimated block forward: unknown (no measured bandwidth_gbps; see llada2 profile)\n"));
        if (plan.fits()) {
            sb.append("fits: yes\n");
        } else {
            sb.append("fits: NO\n");
            plan.suggestions().forEach(s -> sb.append("  - ").append(s).append('\n'));
        }
        return sb.toString();
    }

    private static void table(StringBuilder sb, List<String[]> rows) {
        int[] width = new int[HEADER.length];
        for (String[] r : rows) {
            for (int i = 0; i < r.length; i++) {
                width[i] = Math.max(width[i], r[i].length());
            }
        }
        for (String[] r : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < r.length; i++) {
                // text columns left-aligned, numbers right-aligned; the last column is not padded
                boolean left = i <= 1 || i == r.length - 1;
                String cell = i == r.length - 1 ? r[i] : left ? pad(r[i], width[i], true) : pad(r[i], width[i], false);
                line.append(cell).append(i == r.length - 1 ? "" : "  ");
            }
            sb.append(line.toString().stripTrailing()).append('\n');
        }
    }

    private static String pad(String s, int width, boolean left) {
        String fill = " ".repeat(width - s.length());
        return left ? s + fill : fill + s;
    }

    private static String percent(double fraction) {
        return String.format(Locale.ROOT, "%.0f%%", 100 * fraction);
    }

    private static String dtypes(Map<DType, Long> bytes) {
        return bytes.entrySet().stream().map(e -> e.getKey() + " " + Sizes.format(e.getValue()))
                .collect(Collectors.joining(", "));
    }

    /** The plan as a JSON document ({@code --output json}); bytes are exact integers. */
    public static String json(Plan plan) {
        ObjectNode root = JSON.createObjectNode();
        root.put("profile", plan.profile().name());
        root.put("profile_source", plan.profile().source());
        root.put("model", plan.config().source());
        root.put("fits", plan.fits());
        PlanOptions o = plan.options();
        ObjectNode options = root.putObject("options");
        options.put("gen_length", o.genLength());
        options.put("prompt_length", o.promptLength());
        options.put("block_length", o.blockLength());
        options.put("kv_positions", o.kvPositions());
        options.put("weight_dtype", o.weightDtype().map(DType::name).orElse(null));
        ArrayNode devices = root.putArray("devices");
        Crossings x = Crossings.of(plan);
        for (int i = 0; i < plan.devices().size(); i++) {
            DeviceLoad d = plan.devices().get(i);
            ObjectNode n = devices.addObject();
            n.put("id", d.device().id());
            n.put("backend", d.device().backend());
            n.put("selector", d.device().selector().toString());
            if (d.threads().isPresent()) {
                n.put("threads", d.threads().getAsInt());
            } else {
                n.putNull("threads");
            }
            n.put("budget_bytes", d.budgetBytes());
            n.put("weight_bytes", d.weightBytes());
            ObjectNode byType = n.putObject("weight_bytes_by_dtype");
            d.weightBytesByDtype().forEach((t, b) -> byType.put(t.name(), b));
            n.put("kv_bytes", d.kvBytes());
            n.put("work_bytes", d.workBytes());
            n.put("total_bytes", d.totalBytes());
            n.put("budget_percent", Math.round(1000 * d.budgetFraction()) / 10.0);
            n.put("read_bytes_per_forward", d.readBytesPerForward());
            n.put("receives_bytes_per_forward", x.inBytes()[i]);
            n.put("sends_bytes_per_forward", x.outBytes()[i]);
            n.put("fits", d.fits());
            d.holds().forEach(n.putArray("holds")::add);
        }
        ObjectNode totals = root.putObject("totals");
        totals.put("weight_bytes", plan.totalWeightBytes());
        totals.put("kv_bytes", plan.totalKvBytes());
        totals.put("work_bytes", plan.totalWorkBytes());
        totals.put("total_bytes", plan.totalBytes());
        totals.put("budget_bytes", plan.totalBudgetBytes());
        totals.put("crossing_bytes_per_forward", x.total());
        plan.estimatedForwardSeconds().ifPresentOrElse(t -> root.put("estimated_forward_ms", t * 1e3),
                () -> root.putNull("estimated_forward_ms"));
        placement(root.putObject("placement"), plan);
        plan.suggestions().forEach(root.putArray("suggestions")::add);
        try {
            return JSON.writeValueAsString(root) + "\n";
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise a plan", e);
        }
    }

    /** Device ids per unit; experts as ranges per MoE layer. */
    private static void placement(ObjectNode n, Plan plan) {
        Placement p = plan.placement();
        LLaDA2Config c = plan.config();
        n.put("embedding", id(plan, p.embeddingDevice()));
        n.put("head", id(plan, p.headDevice()));
        ArrayNode layers = n.putArray("layers");
        for (int device : p.layerDevice()) {
            layers.add(id(plan, device));
        }
        ArrayNode experts = n.putArray("experts");
        for (int l = 0; l < c.numHiddenLayers(); l++) {
            int[] ed = p.expertDevice()[l];
            if (ed.length == 0) {
                continue;
            }
            ObjectNode layer = experts.addObject();
            layer.put("layer", l);
            ArrayNode ranges = layer.putArray("ranges");
            for (int e = 0; e < ed.length; e++) {
                int start = e;
                while (e + 1 < ed.length && ed[e + 1] == ed[start]) {
                    e++;
                }
                ranges.addObject().put("device", id(plan, ed[start])).put("experts",
                        new IndexRange(start, e).toString());
            }
        }
    }

    private static String id(Plan plan, int device) {
        return plan.profile().devices().get(device).id();
    }
}
