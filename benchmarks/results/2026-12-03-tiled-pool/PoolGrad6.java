import ai.djl.ndarray.*;
import ai.djl.ndarray.types.*;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import io.signstream.engine.backend.*;
import io.signstream.engine.graph.PoolSpec;
import java.util.*;
public class PoolGrad6 {
    static PtNDArray tap(NDArray x, int a, int b, int s, long ho, long wo) {
        return JniUtils.slice(JniUtils.slice((PtNDArray) x, 2, a, a + (long) s * (ho - 1) + 1, s), 3, b, b + (long) s * (wo - 1) + 1, s);
    }
    // x already padded with -inf
    static NDArray viaFloatMasks(NDArray x, NDArray pooled, NDArray g, int k, int s) {
        long ho = pooled.getShape().get(2), wo = pooled.getShape().get(3);
        PtNDArray out = (PtNDArray) x.getManager().zeros(x.getShape(), g.getDataType());
        NDArray rest = g;
        for (int a = 0; a < k; a++) for (int b = 0; b < k; b++) {
            PtNDArray dst = tap(out, a, b, s, ho, wo);
            if (a == k - 1 && b == k - 1) { dst.addi(rest); break; }
            NDArray next = rest.mul(pooled.sub(tap(x, a, b, s, ho, wo)).sign());
            dst.addi(rest.sub(next));
            rest = next;
        }
        return out;
    }

    static NDArray viaBlocks(NDArray x, NDArray pooled, NDArray g, int k) {
        Shape sh = x.getShape(); long n = sh.get(0), c = sh.get(1), ho = pooled.getShape().get(2), wo = pooled.getShape().get(3);
        NDArray blocks = x.reshape(n, c, ho, k, wo, k).transpose(3, 5, 0, 1, 2, 4).reshape(k * k, n, c, ho, wo); // one copy
        NDArray[] takes = new NDArray[k * k];
        NDArray rest = g;
        for (int q = 0; q < k * k; q++) {
            if (q == k * k - 1) { takes[q] = rest; break; }
            NDArray next = rest.mul(pooled.sub(blocks.get(q)).sign());
            takes[q] = rest.sub(next);
            rest = next;
        }
        return NDArrays.stack(new NDList(takes)).reshape(k, k, n, c, ho, wo).transpose(2, 3, 4, 0, 5, 1).reshape(sh);
    }
    public static void main(String[] args) throws Exception {
        try (Backend be = new PyTorchBackend(ai.djl.Device.cpu()); NDManager m = be.newManager()) {
            long[][] shapes = {{64,8,16,16},{64,16,8,8},{32,16,32,32},{32,32,16,16},{2,64,224,224},{2,128,112,112},{2,512,28,28}};
            int[][] geo = {{2,2,0},{2,2,0},{2,2,0},{2,2,0},{2,2,0},{2,2,0},{2,2,0}};
            for (int si = 0; si < shapes.length; si++) {
                long[] sh = shapes[si]; int k = geo[si][0], s = geo[si][1], p = geo[si][2];
                NDArray x = m.randomNormal(new Shape(sh));
                NDArray xr = x.mul(4f).round();
                PoolSpec spec = new PoolSpec(new int[]{k,k}, new int[]{s,s}, new int[]{p,p}, new int[]{p,p});
                for (NDArray in : new NDArray[] {x, xr}) {
                    NDArray pooled = be.maxPool(in, spec);
                    NDArray g = m.randomNormal(pooled.getShape());
                    float[] ref = be.maxPoolBackward(in, pooled, spec, g).toFloatArray();
                    java.util.function.Supplier<NDArray> mine = () -> {
                        
                        NDArray xp = p == 0 ? in : be.padSpatial(in, spec, Float.NEGATIVE_INFINITY);
                        NDArray o = viaFloatMasks(xp, pooled, g, k, s);
                        return p == 0 ? o : o.get(":,:," + p + ":" + (p + sh[2]) + "," + p + ":" + (p + sh[3]));
                    };
                    float[] got = mine.get().toFloatArray();
                    double d = 0; for (int i = 0; i < ref.length; i++) d = Math.max(d, Math.abs(ref[i] - got[i]));
                    double[] t = new double[2]; int reps = sh[0] == 2 ? 40 : 400, warm = reps / 4;
                    for (int rep = 0; rep < reps; rep++) {
                        try (NDScope sc = new NDScope()) { long t0 = System.nanoTime(); be.maxPoolBackward(in, pooled, spec, g).getShape(); long t1 = System.nanoTime(); mine.get().getShape(); long t2 = System.nanoTime();
                        if (rep >= warm) { t[0] += (t1-t0)/1e3; t[1] += (t2-t1)/1e3; } }
                    }
                    System.out.printf("%s k%d s%d p%d diff %.3g | autograd %.1f  floatmasks %.1f us%n", in.getShape(), k, s, p, d, t[0]/(reps-warm), t[1]/(reps-warm));
                }
            }
        }
        System.exit(0);
    }
}
