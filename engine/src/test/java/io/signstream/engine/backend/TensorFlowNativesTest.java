package io.signstream.engine.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.junit.jupiter.api.Test;

/** The native libraries come out of the classpath jar into a cache folder, once, and DJL is pointed at them. */
class TensorFlowNativesTest {

    @Test
    void librariesAreCopiedOnceAndDjlLoadsThem() {
        long t0 = System.nanoTime();
        Path dir = TensorFlowNatives.ensureLibraryPath();
        double first = (System.nanoTime() - t0) / 1e9;
        assertSame(dir, TensorFlowNatives.ensureLibraryPath(), "idempotent");
        for (String lib : new String[] {"libjnitensorflow.so", "libtensorflow_framework.so.2",
            "libtensorflow_cc.so.2", ".complete"}) {
            assertTrue(Files.isRegularFile(dir.resolve(lib)), lib + " in " + dir);
        }
        assertEquals(dir.toString(), System.getProperty(TensorFlowNatives.LIBRARY_PATH));
        long t1 = System.nanoTime();
        Engine engine = Engine.getEngine(EngineKind.TENSORFLOW.djlName());
        System.err.printf("TensorFlow natives ready in %.1f s, engine %s loaded in %.1f s%n", first,
                engine.getVersion(), (System.nanoTime() - t1) / 1e9);
        assertTrue(engine.getVersion().startsWith("2.10"), engine.getVersion());
    }

    @Test
    void cacheFolderFollowsTheDjlCacheVariables() {
        String before = System.getProperty("ENGINE_CACHE_DIR");
        try {
            System.setProperty("ENGINE_CACHE_DIR", "/tmp/engines");
            assertEquals(Paths.get("/tmp/engines/signstream-tensorflow-2.10.1-cpu"),
                    TensorFlowNatives.cacheRoot("2.10.1"));
        } finally {
            if (before == null) {
                System.clearProperty("ENGINE_CACHE_DIR");
            } else {
                System.setProperty("ENGINE_CACHE_DIR", before);
            }
        }
        if (System.getenv("ENGINE_CACHE_DIR") == null && System.getenv("DJL_CACHE_DIR") == null
                && System.getProperty("DJL_CACHE_DIR") == null) {
            assertEquals(Paths.get(System.getProperty("user.home"), ".cache", "signstream", "tensorflow-2.10.1-cpu"),
                    TensorFlowNatives.cacheRoot("2.10.1"));
        }
    }
}
