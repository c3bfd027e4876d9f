package dev.llada2.profiles.fit;

import dev.llada2.profiles.IndexRange;
import dev.llada2.profiles.LayerShare;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * How counts, fractions, rest and ranges resolve against 3, 4, 20 and 32 layers (the test models,
 * mini and flash): every layer exactly once, stages contiguous and in order.
 * Run alone: {@code mvn -q test -pl hardware-profiles -Dtest=LayerSplitResolverTest}.
 */
class LayerSplitResolverTest {

    /**
     * @param spec     stages as {@code device:amount} separated by spaces; amount = integer count,
     *                 decimal fraction, {@code rest} or {@code a-b} range
     * @param expected the stages' layer ranges, {@code device=a-b}, empty stages omitted
     */
    @ParameterizedTest(name = "{0} over {1} layers -> {2}")
    @CsvSource(delimiter = '|', value = {
            // halves: the first stage takes the rounded-up half
            "a:0.5 b:0.5             | 3  | a=0-1 b=2",
            "a:0.5 b:0.5             | 4  | a=0-1 b=2-3",
            "a:0.5 b:0.5             | 20 | a=0-9 b=10-19",
            "a:0.5 b:0.5             | 32 | a=0-15 b=16-31",
            "a:0.5 b:rest            | 3  | a=0-1 b=2",
            // quarters: boundaries at round(N/4), round(N/2), round(3N/4)
            "a:0.25 b:0.25 c:0.25 d:0.25 | 3  | a=0 b=1 d=2",
            "a:0.25 b:0.25 c:0.25 d:0.25 | 4  | a=0 b=1 c=2 d=3",
            "a:0.25 b:0.25 c:0.25 d:0.25 | 20 | a=0-4 b=5-9 c=10-14 d=15-19",
            "a:0.25 b:0.25 c:0.25 d:0.25 | 32 | a=0-7 b=8-15 c=16-23 d=24-31",
            // thirds written with three decimals still cover every layer
            "a:0.333 b:0.333 c:0.333 | 3  | a=0 b=1 c=2",
            "a:0.333 b:0.333 c:0.333 | 20 | a=0-6 b=7-12 c=13-19",
            "a:0.333 b:0.333 c:0.333 | 32 | a=0-10 b=11-20 c=21-31",
            // counts, then the rest
            "a:1 b:rest              | 3  | a=0 b=1-2",
            "a:1 b:rest              | 4  | a=0 b=1-3",
            "a:2 b:1 c:rest          | 20 | a=0-1 b=2 c=3-19",
            "a:3 b:rest              | 3  | a=0-2",
            // counts mixed with fractions: the fraction is of N, after the counts
            "a:1 b:0.5 c:rest        | 4  | a=0 b=1-2 c=3",
            "a:1 b:0.5 c:rest        | 20 | a=0 b=1-10 c=11-19",
            "a:1 b:0.5 c:rest        | 32 | a=0 b=1-16 c=17-31",
            // eighths over few layers leave some stages empty
            "a:0.125 b:0.125 c:0.125 d:0.125 e:0.125 f:0.125 g:0.125 h:0.125 | 20 | a=0-2 b=3-4 c=5-7 d=8-9 e=10-12 f=13-14 g=15-17 h=18-19",
            "a:0.125 b:0.125 c:0.125 d:0.125 e:0.125 f:0.125 g:0.125 h:0.125 | 3 | b=0 d=1 g=2",
            // ranges, in any order
            "b:2-2 a:0-1             | 3  | a=0-1 b=2",
            "a:0-9 b:10-19           | 20 | a=0-9 b=10-19",
    })
    void resolves(String spec, int layers, String expected) {
        List<LayerShare> shares = new ArrayList<>();
        for (String stage : spec.trim().split("\\s+")) {
            String[] p = stage.split(":");
            LayerShare.Amount amount = p[1].equals("rest") ? new LayerShare.Rest()
                    : p[1].contains("-") ? new LayerShare.Range(IndexRange.parse(p[1]))
                    : p[1].contains(".") ? new LayerShare.Fraction(Double.parseDouble(p[1]))
                    : new LayerShare.Count(Integer.parseInt(p[1]));
            shares.add(new LayerShare(p[0], amount, "$.placement.layers[" + shares.size() + "]"));
        }
        List<String> device = LayerSplitResolver.resolve(shares, layers, "test", "test model");
        assertEquals(layers, device.size());
        assertEquals(expected.trim(), stages(device));
    }

    /** "a=0-1 b=2": runs of equal devices in layer order. */
    private static String stages(List<String> device) {
        List<String> out = new ArrayList<>();
        for (int l = 0; l < device.size(); l++) {
            int a = l;
            while (l + 1 < device.size() && device.get(l + 1).equals(device.get(a))) {
                l++;
            }
            out.add(device.get(a) + "=" + new IndexRange(a, l));
        }
        return String.join(" ", out);
    }
}
