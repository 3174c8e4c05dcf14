package io.signstream.engine.architectures;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.signstream.engine.api.ExplainException;
import io.signstream.engine.api.Explainer;
import io.signstream.engine.api.MapAgreement;
import io.signstream.engine.backend.DeviceChoice;
import io.signstream.engine.backend.EngineKind;
import io.signstream.engine.graph.ActivationKind;
import io.signstream.engine.graph.Graph;
import io.signstream.engine.graph.Layer;
import io.signstream.engine.graph.Node;
import io.signstream.engine.npy.NpyArray;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Grad-CAM's default layer is the same node in every format (docs/methods.md): on a residual net (ResNet-18, where
 * ONNX folds the BatchNorms into the convolutions and TorchScript keeps them) and a dense net (DenseNet, where the
 * last convolution reaches the final ReLU through a Concat and norm5), both formats pick a ReLU and give torch's
 * own Grad-CAM of {@code layer4} / the final ReLU; where the last convolution's output is permuted channels-last
 * before any activation (ConvNeXt), the error names the node and {@code layer_name}.
 */
class GradCamDefaultLayerTest {

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"resnet18, model.onnx", "resnet18, model.pt", "densenet, model.onnx", "densenet, model.pt"})
    void theDefaultLayerIsTheFirstReluAfterTheLastConvolution(String model, String format) throws Exception {
        NpyArray x = Architectures.npy(model, "input.npy");
        NpyArray ref = Architectures.npy(model, "grad_cam.npy");
        try (Explainer ex = Explainer.open(Architectures.file(model, format), EngineKind.PYTORCH, DeviceChoice.CPU)) {
            Graph g = ex.graph(x.sampleShape());
            Node layer = g.defaultGradCamLayer().orElseThrow();
            assertTrue(layer.layer() instanceof Layer.Activation a && a.function() == ActivationKind.RELU,
                    model + " " + format + ": " + layer);
            // it reads the sum of the residual branch (ResNet) or the last BatchNorm (DenseNet), not a convolution
            Layer producer = g.node(layer.input()).layer();
            assertTrue(model.equals("resnet18") ? producer instanceof Layer.Add : producer instanceof Layer.BatchNorm,
                    model + " " + format + ": the ReLU reads " + producer.kind());
            NpyArray cam = ex.explain(x, null, "grad_cam", Map.of()).map();
            MapAgreement a = MapAgreement.of(cam.data(), ref.data());
            assertTrue(a.maxAbsDiff() <= 1e-4 * a.maxAbsReference(), model + " " + format + ": " + a);
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"model.onnx", "model.pt"})
    void aFeatureMapThatLeavesTheChannelsFirstLayoutNeedsLayerName(String format) throws Exception {
        NpyArray x = Architectures.npy("convnext", "input.npy");
        try (Explainer ex = Explainer.open(Architectures.file("convnext", format), EngineKind.PYTORCH,
                DeviceChoice.CPU)) {
            ExplainException e = assertThrows(ExplainException.class,
                    () -> ex.explain(x, null, "grad_cam", Map.of()));
            assertEquals(ExplainException.Kind.BAD_PARAMETER, e.kind());
            assertTrue(e.getMessage().contains("layer_name") && e.getMessage().contains("transpose"),
                    e.getMessage());
            assertEquals(1, e.getMessage().lines().count(), e.getMessage());
            // naming a layer works: the last stage's output, before the head
            Graph g = ex.graph(x.sampleShape());
            String stage = g.node(g.nodes().stream().filter(n -> n.layer() instanceof Layer.GlobalPool)
                    .findFirst().orElseThrow().input()).name();
            NpyArray cam = ex.explain(x, null, "grad_cam", Map.of("layer_name", stage)).map();
            assertEquals(x.data().length / 3, cam.data().length);
        }
    }
}
