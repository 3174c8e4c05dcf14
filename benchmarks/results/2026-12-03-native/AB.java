import java.lang.reflect.*;
import java.net.*;
import java.nio.file.*;
import java.util.*;
/** Same-process A/B of two engine jars: java -cp deps AB baseJar newJar model npy batch method engine [seconds] */
public class AB {
    static class Side {
        Object ex, in, engine; Method explain, logits; String name;
        Side(String name, String jar, String model, float[] data, long[] shape, String eng) throws Exception {
            this.name = name;
            ClassLoader cl = new URLClassLoader(new URL[] {Path.of(jar).toUri().toURL()}, AB.class.getClassLoader());
            Class<?> be = cl.loadClass("io.signstream.engine.backend.Backends");
            be.getMethod("setIntraOpThreads", int.class).invoke(null, 1);
            Class<?> ek = cl.loadClass("io.signstream.engine.backend.EngineKind");
            Class<?> dc = cl.loadClass("io.signstream.engine.backend.DeviceChoice");
            Class<?> exC = cl.loadClass("io.signstream.engine.api.Explainer");
            Class<?> npy = cl.loadClass("io.signstream.engine.npy.NpyArray");
            engine = Enum.valueOf((Class) ek, eng);
            ex = exC.getMethod("open", Path.class, ek, dc).invoke(null, Path.of(model), engine, Enum.valueOf((Class) dc, "CPU"));
            in = npy.getConstructor(float[].class, long[].class).newInstance(data, shape);
            explain = exC.getMethod("explain", npy, int[].class, String.class, Map.class);
            logits = exC.getMethod("logits", npy);
        }
        long map(String m) throws Exception { long t = System.nanoTime(); explain.invoke(ex, in, null, m, Map.of()); return System.nanoTime() - t; }
        long fwd() throws Exception { long t = System.nanoTime(); logits.invoke(ex, in); return System.nanoTime() - t; }
    }
    static double med(List<Long> l) { List<Long> s = new ArrayList<>(l); Collections.sort(s); return s.get(s.size() / 2) / 1e6; }
    public static void main(String[] a) throws Exception {
        int batch = Integer.parseInt(a[4]);
        float[] data; long[] shape;
        Class<?> npyFile = new URLClassLoader(new URL[] {Path.of(a[0]).toUri().toURL()}, AB.class.getClassLoader()).loadClass("io.signstream.engine.npy.NpyFile");
        Object one = npyFile.getMethod("read", Path.class).invoke(null, Path.of(a[3]));
        float[] d1 = (float[]) one.getClass().getMethod("data").invoke(one);
        long[] s1 = (long[]) one.getClass().getMethod("shape").invoke(one);
        shape = s1.clone(); shape[0] = batch; data = new float[d1.length * batch];
        for (int i = 0; i < data.length; i++) data[i] = d1[i % d1.length];
        Side[] sides = {new Side("base", a[0], a[2], data, shape, a[6]), new Side("new", a[1], a[2], data, shape, a[6])};
        double seconds = a.length > 7 ? Double.parseDouble(a[7]) : 10;
        for (String m : a[5].split(",")) {
            List<List<Long>> maps = List.of(new ArrayList<>(), new ArrayList<>()), fwds = List.of(new ArrayList<>(), new ArrayList<>());
            for (Side s : sides) for (int i = 0; i < 20; i++) { s.fwd(); s.map(m); }
            long end = System.nanoTime() + (long) (seconds * 1e9);
            while (System.nanoTime() < end) {
                for (int k = 0; k < 2; k++) { Side s = sides[k]; for (int i = 0; i < 10; i++) { fwds.get(k).add(s.fwd()); maps.get(k).add(s.map(m)); } }
            }
            System.out.printf("%-24s base fwd %.3f map %.3f (x%.2f) | new fwd %.3f map %.3f (x%.2f) | new/base map %.3f%n", m,
                med(fwds.get(0)), med(maps.get(0)), med(maps.get(0)) / med(fwds.get(0)), med(fwds.get(1)), med(maps.get(1)), med(maps.get(1)) / med(fwds.get(1)), med(maps.get(1)) / med(maps.get(0)));
        }
        System.exit(0);
    }
}
