import ai.djl.ndarray.*;
import ai.djl.ndarray.types.*;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import io.signstream.engine.backend.*;
import io.signstream.engine.graph.ConvSpec;
public class ColT {
    static NDArray colT(NDArray g, NDArray wCols, int ci, int kh, int kw, int padT, int padL, Shape in) {
        long n = g.getShape().get(0), co = g.getShape().get(1), h = g.getShape().get(2), w = g.getShape().get(3);
        NDArray cols = wCols.matMul(g.reshape(n, co, h * w)).reshape(n, ci, kh * kw, h, w);
        PtNDArray out = (PtNDArray) g.getManager().zeros(new Shape(n, ci, h + kh - 1, w + kw - 1));
        for (int a = 0; a < kh; a++) for (int b = 0; b < kw; b++) {
            PtNDArray dst = JniUtils.slice(JniUtils.slice(out, 2, a, a + h, 1), 3, b, b + w, 1);
            dst.addi(JniUtils.slice((PtNDArray) cols, 2, a * kw + b, a * kw + b + 1, 1).squeeze(2));
        }
        return JniUtils.slice(JniUtils.slice(out, 2, padT, padT + in.get(2), 1), 3, padL, padL + in.get(3), 1);
    }
    static NDArray colT2(Backend be, NDArray g, NDArray wConv, int ci, int kh, int kw, int padT, int padL, Shape in) {
        long n = g.getShape().get(0), h = g.getShape().get(2), w = g.getShape().get(3);
        PtNDArray cols = (PtNDArray) be.conv(g, wConv, null, ConvSpec.simple(2, 1, 0)); // (n, ci*kh*kw, h, w), channel c*kh*kw + tap
        PtNDArray out = (PtNDArray) g.getManager().zeros(new Shape(n, ci, h + kh - 1, w + kw - 1));
        int taps = kh * kw;
        for (int a = 0; a < kh; a++) for (int b = 0; b < kw; b++) {
            PtNDArray dst = JniUtils.slice(JniUtils.slice(out, 2, a, a + h, 1), 3, b, b + w, 1);
            int t = a * kw + b;
            dst.addi(JniUtils.slice(cols, 1, t, (long) (ci - 1) * taps + t + 1, taps));
        }
        return JniUtils.slice(JniUtils.slice(out, 2, padT, padT + in.get(2), 1), 3, padL, padL + in.get(3), 1);
    }
    public static void main(String[] a) throws Exception {
        try (Backend be = new PyTorchBackend(ai.djl.Device.cpu()); NDManager m = be.newManager()) {
            long[][] cases = {{32,16,32,32,8},{32,16,32,32,16},{64,16,8,8,8},{2,128,112,112,8}};
            for (long[] c : cases) {
                NDArray g = m.randomNormal(new Shape(c[0], c[1], c[2], c[3]));
                NDArray w = m.randomNormal(new Shape(c[1], c[4], 3, 3));
                ConvSpec spec = ConvSpec.simple(2, 1, 1);
                Shape in = new Shape(c[0], c[4], c[2], c[3]);
                NDArray wCols = w.transpose(1, 2, 3, 0).reshape(c[4] * 9, c[1]).duplicate();
                NDArray wConv = wCols.reshape(c[4] * 9, c[1], 1, 1);
                NDArray ref = be.convTranspose(g, w, spec, in);
                System.out.println("diff2 " + ref.sub(colT2(be, g, wConv, (int) c[4], 3, 3, 1, 1, in)).abs().max().getFloat());
                NDArray alt = colT(g, wCols, (int) c[4], 3, 3, 1, 1, in);
                System.out.println("diff " + ref.sub(alt).abs().max().getFloat() + " / " + ref.abs().max().getFloat());
                int reps = c[0] == 2 ? 20 : 400;
                double t1 = 0, t2 = 0, t3 = 0;
                for (int r = 0; r < reps; r++) try (NDScope sc = new NDScope()) {
                    long s0 = System.nanoTime(); be.convTranspose(g, w, spec, in).toFloatArray(); long s1 = System.nanoTime();
                    colT(g, wCols, (int) c[4], 3, 3, 1, 1, in).toFloatArray(); long s2 = System.nanoTime();
                    colT2(be, g, wConv, (int) c[4], 3, 3, 1, 1, in).toFloatArray(); long s3 = System.nanoTime();
                    if (r >= reps / 4) t3 += (s3 - s2) / 1e3;
                    if (r >= reps / 4) { t1 += (s1 - s0) / 1e3; t2 += (s2 - s1) / 1e3; }
                }
                int n = reps - reps / 4;
                System.out.printf("%s -> %d: flipped conv %.1f us, cols %.1f us, 1x1 conv cols %.1f us%n", g.getShape(), c[4], t1 / n, t2 / n, t3 / n);
            }
        }
        System.exit(0);
    }
}
