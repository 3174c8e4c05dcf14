import ai.djl.ndarray.*;
import ai.djl.ndarray.types.*;
import io.signstream.engine.backend.*;
public class SignTf {
    public static void main(String[] a) throws Exception {
        for (EngineKind k : new EngineKind[] {EngineKind.TENSORFLOW, EngineKind.PYTORCH})
        try (Backend be = Backends.open(k); NDManager m = be.newManager()) {
            for (long[] sh : new long[][] {{64,8,16,16},{64,16,8,8},{32,32,16,16},{2,64,224,224}}) {
                NDArray z = m.randomNormal(new Shape(sh));
                int reps = sh[0] == 2 ? 30 : 2000;
                double[] t = new double[4];
                for (int r = 0; r < reps; r++) try (NDScope sc = new NDScope()) {
                    long s0 = System.nanoTime(); z.add(z.gte(0f).toType(DataType.FLOAT32, false).mul(0.2f).sub(0.1f)).toFloatArray();
                    long s1 = System.nanoTime(); z.add(z.sign().add(0.5f).sign().mul(0.1f)).toFloatArray();
                    long s2 = System.nanoTime(); z.add(z.eq(0f).toType(DataType.FLOAT32, false).mul(1e-7f)).toFloatArray();
                    long s3 = System.nanoTime(); z.add(z.sign().abs().mul(-1e-7f).add(1e-7f)).toFloatArray();
                    long s4 = System.nanoTime();
                    if (r >= reps / 4) { t[0] += s1 - s0; t[1] += s2 - s1; t[2] += s3 - s2; t[3] += s4 - s3; }
                }
                double n = (reps - reps / 4) * 1e3;
                System.out.printf("%s %s: signPlus gte %.1f sign %.1f | zero eq %.1f sign %.1f us%n", k, z.getShape(), t[0]/n, t[1]/n, t[2]/n, t[3]/n);
            }
        }
        System.exit(0);
    }
}
