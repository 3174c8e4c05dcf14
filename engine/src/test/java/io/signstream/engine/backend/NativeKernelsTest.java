package io.signstream.engine.backend;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Locale;
import org.junit.jupiter.api.Test;

/** The build puts the engine's own kernels in the jar for Linux x86-64; a silent fallback would only be slower. */
class NativeKernelsTest {

    @Test
    void theKernelsLoadOnLinuxX8664() {
        String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch");
        if (os.contains("linux") && ("amd64".equals(arch) || "x86_64".equals(arch))) {
            assertNull(NativeKernels.unavailableReason(), "gcc missing at build time?");
            assertTrue(NativeKernels.available());
        } else {
            assertTrue(!NativeKernels.available(), "no library for " + os + "-" + arch);
        }
    }
}
