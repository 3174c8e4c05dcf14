package io.signstream.engine.backend;

import ai.djl.Device;
import ai.djl.engine.Engine;
import java.util.Locale;

/** Where a backend computes: CPU by default, a GPU only when asked for and present. */
public enum DeviceChoice {
    CPU,
    /** The first GPU if the engine sees one, else the CPU. */
    AUTO,
    /** The first GPU; fails when there is none. */
    GPU;

    public static DeviceChoice parse(String text) {
        return valueOf(text.trim().toUpperCase(Locale.ROOT));
    }

    Device resolve(EngineKind kind) {
        if (this == CPU) {
            return Device.cpu();
        }
        int gpus = Engine.getEngine(kind.djlName()).getGpuCount();
        if (gpus > 0) {
            return Device.gpu(0);
        }
        if (this == GPU) {
            throw new IllegalStateException("a GPU was requested but the " + kind.djlName() + " engine sees none");
        }
        return Device.cpu();
    }
}
