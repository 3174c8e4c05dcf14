package io.signstream.benchmarks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.signstream.engine.graph.Graph;
import io.signstream.engine.graph.Layer;
import io.signstream.engine.graph.Node;
import org.junit.jupiter.api.Test;

/** The benchmark models are what the README says they are; no engine is started here. */
class WorkloadsTest {

    @Test
    void parsesModelSlashBatch() {
        assertEquals("digits_cnn", Workloads.model("digits_cnn/256"));
        assertEquals(256, Workloads.batch("digits_cnn/256"));
        assertThrows(IllegalArgumentException.class, () -> Workloads.model("digits_cnn"));
        assertThrows(IllegalArgumentException.class, () -> Workloads.batch("digits_cnn/0"));
    }

    @Test
    void fixtureModelsImportFromTheJarResources() throws Exception {
        assertArrayEquals(new long[] {1, 16, 16}, Workloads.graph("digits_cnn").sampleShape());
        assertArrayEquals(new long[] {32, 3, 32, 32}, Workloads.batchShape(Workloads.graph("small_vgg"), 32));
    }

    @Test
    void vgg16HasTheImageNetArchitecture() {
        Graph g = Workloads.vgg16(1);
        long params = 0;
        int convs = 0;
        int pools = 0;
        int dense = 0;
        for (Node n : g.nodes()) {
            if (n.layer() instanceof Layer.Conv c) {
                convs++;
                params += c.weight().size() + c.bias().size();
            } else if (n.layer() instanceof Layer.Dense d) {
                dense++;
                params += d.weight().size() + d.bias().size();
            } else if (n.layer() instanceof Layer.MaxPool) {
                pools++;
            }
        }
        assertEquals(13, convs);
        assertEquals(5, pools);
        assertEquals(3, dense);
        assertEquals(138_357_544L, params); // torchvision vgg16
        assertEquals(25088, ((Layer.Dense) g.node("fc1").layer()).inFeatures());
        assertArrayEquals(new long[] {3, 224, 224}, g.sampleShape());
    }
}
