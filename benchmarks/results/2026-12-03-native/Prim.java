import ai.djl.ndarray.*;
import ai.djl.ndarray.types.*;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import io.signstream.engine.backend.*;
import java.util.*;
import java.util.function.Supplier;
public class Prim {
    static void t(String name, Supplier<NDArray> f) {
        for (int round = 0; round < 2; round++) {
            int reps = 2000; long t0 = 0;
            for (int r = 0; r < reps; r++) { if (r == 200) t0 = System.nanoTime(); try (NDArray z = f.get()) {} }
            if (round == 1) System.out.printf("%-40s %8.1f us%n", name, (System.nanoTime() - t0) / 1e3 / (reps - 200));
        }
    }
    public static void main(String[] a) throws Exception {
        try (Backend be = Backends.open(EngineKind.PYTORCH); NDManager m = be.newManager()) {
            long n = 64, c = 8, H = 16, W = 16, h = 8, w = 8;
            NDArray x = m.randomNormal(new Shape(n, c, H, W)), q = m.randomNormal(new Shape(n, c, h, w)), q2 = m.randomNormal(new Shape(n, c, h, w));
            PtNDArray tap = JniUtils.slice(JniUtils.slice((PtNDArray) x, 2, 1, H, 2), 3, 1, W, 2);
            NDArray out = m.zeros(x.getShape());
            PtNDArray otap = JniUtils.slice(JniUtils.slice((PtNDArray) out, 2, 1, H, 2), 3, 1, W, 2);
            t("contiguous quarter sub", () -> q.sub(q2));
            t("contiguous full sub", () -> x.sub(x));
            t("strided-read quarter sub", () -> q.sub(tap));
            t("strided write addi (returns view)", () -> { otap.addi(q); return q.duplicate(); });
            t("duplicate quarter (baseline)", () -> q.duplicate());
            t("zeros full", () -> m.zeros(x.getShape()));
            NDArray x6 = x.reshape(n, c, h, 2, w, 2);
            t("permute copy 6d (n,c,h,w,2,2)", () -> x6.transpose(0, 1, 2, 4, 3, 5).reshape(n, c, h, w, 4));
            NDArray t4 = m.randomNormal(new Shape(n, c, h, 4, w));
            t("stack 4 quarters axis 3", () -> NDArrays.stack(new NDList(q, q2, q, q2), 3));
            t("stack 4 quarters axis 4 (interleave)", () -> NDArrays.stack(new NDList(q, q2, q, q2), 4));
            NDArray P = m.randomNormal(new Shape(4 * w, 4 * w));
            NDArray t2 = t4.reshape(n * c * h, 4 * w);
            t("matmul (nch,4w)@(4w,4w)", () -> t2.matMul(P));
            NDArray idx = m.arange(0, (int) (n * c * H * W), 1, DataType.INT64);
            NDArray flat = m.zeros(new Shape(n * c * H * W));
            NDArray vals = m.randomNormal(new Shape(n * c * H * W));
            t("put full", () -> JniUtils.put((PtNDArray) flat, (PtNDArray) idx, (PtNDArray) vals));
            NDArray idxq = m.arange(0, (int) (n * c * h * w), 1, DataType.INT64).mul(4);
            t("put quarter", () -> JniUtils.put((PtNDArray) flat, (PtNDArray) idxq, (PtNDArray) q.reshape(-1)));
            NDArray up = m.randomNormal(new Shape(n, c, h, 1, w, 1));
            t("broadcast eq x6 vs y6", () -> x6.eq(up));
            t("broadcast mul x6 * y6", () -> x6.mul(up));
            t("repeat_interleave W", () -> q.repeat(3, 2));

            t("maximum strided taps (fwd piece)", () -> tap.maximum(tap));
            t("x.sign full", () -> x.sign());
            t("conv-like: relu full", () -> x.getNDArrayInternal().relu());
        }
        System.exit(0);
    }
}
