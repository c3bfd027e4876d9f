package dev.llada2.tornado;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SignalChainingTest {

    @Test
    void recognisesLibjsigAmongPreloadedLibraries() {
        assertTrue(SignalChaining.preloaded("/usr/lib/jvm/jdk-25/lib/libjsig.so"));
        assertTrue(SignalChaining.preloaded("/opt/x/libfoo.so:/jdk/lib/libjsig.so"));
        assertTrue(SignalChaining.preloaded("libfoo.so libjsig.so"));
        assertFalse(SignalChaining.preloaded(null));
        assertFalse(SignalChaining.preloaded(""));
        assertFalse(SignalChaining.preloaded("/jdk/lib/libjsig.so.bak /opt/libnotjsig.so"));
    }

    /** The module's surefire configuration preloads it: without it PoCL crashed about one test JVM in four. */
    @Test
    void theTestJvmRunsWithLibjsigPreloaded() {
        assertTrue(SignalChaining.preloaded(System.getenv("LD_PRELOAD")), "LD_PRELOAD=" + System.getenv("LD_PRELOAD"));
    }
}
