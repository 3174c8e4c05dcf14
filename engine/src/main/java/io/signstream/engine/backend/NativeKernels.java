package io.signstream.engine.backend;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.tensorflow.engine.TfNDArray;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import org.bytedeco.javacpp.PointerScope;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine's own CPU kernels (C, {@code engine/src/main/c}), for steps libtorch has no fast CPU form for through
 * DJL: the max-pool gradient of tiled windows ({@link TiledMaxPoolGradient}) and the shifted sum that ends a
 * transposed convolution computed as a matrix product ({@link ColumnTransposedConvolution}), the LRP rules'
 * stabilised divisions ({@link Backend#epsilonDivide}, {@link Backend#safeDivide}). Maven compiles the library with
 * gcc into the engine's jar ({@code native/linux-x86_64/}); it works on float32 tensors in CPU memory through direct
 * buffers, so nothing is copied between Java and native memory.
 *
 * <p>Where the library is not there (another OS or architecture, a build without gcc) or
 * {@code -Dsignstream.native.kernels=false} turns it off, {@link #available()} is false and the engines' own ops
 * run instead: the same values, slower. {@link #unavailableReason()} says why.
 *
 * <pre>{@code
 * if (!NativeKernels.available()) {
 *     System.err.println("slower engine: " + NativeKernels.unavailableReason());
 * }
 * }</pre>
 */
public final class NativeKernels {

    /** System property that turns the kernels off ({@code false}), e.g. to compare with libtorch's ops. */
    public static final String PROPERTY = "signstream.native.kernels";

    private static final Logger LOG = LoggerFactory.getLogger(NativeKernels.class);
    private static final String LIBRARY = "libsignstream_kernels.so";
    private static final String UNAVAILABLE = load();

    private NativeKernels() {
    }

    /** Whether the library is loaded: the native kernels run instead of the engines' ops. */
    public static boolean available() {
        return UNAVAILABLE == null;
    }

    /** Why the library is not loaded; null when it is. */
    public static String unavailableReason() {
        return UNAVAILABLE;
    }

    /**
     * The gradient of a 2-D max pooling with kh×kw windows at stride kh×kw and no padding, routed to each window's
     * first maximum in row-major order (libtorch's rule, NaN included); positions past the last whole window get 0.
     *
     * @param x the pooling's input, {@code planes × height × width} contiguous float32 values
     * @param upstream the signal at the pooled size, {@code planes × (height / kh) × (width / kw)}
     * @param out written entirely, x's size
     */
    static native void tiledMaxPoolGradient2d(ByteBuffer x, ByteBuffer upstream, ByteBuffer out, long planes,
            long height, long width, int kh, int kw);

    /**
     * {@code out[p, y, x] = Σ_{a,b} cols[p, a·kw + b, y + top − a, x + left − b]} over the positions that exist: each
     * tap's columns added into the output at its offset, the output being the input's window (offset by the leading
     * padding) of the full correlation.
     *
     * @param cols {@code planes × kh·kw × h × w} contiguous float32 values
     * @param out written entirely, {@code planes × outHeight × outWidth}
     */
    static native void addShiftedTaps(ByteBuffer cols, ByteBuffer out, long planes, int kh, int kw, long h, long w,
            long outHeight, long outWidth, long top, long left);

    /**
     * {@code out = r / (z + ε·sign₊(z))} element by element, sign₊(z) = +1 where z ≥ 0 (−0 included), else −1; the
     * same float32 operations in the same order as the element-wise ops (no fused multiply-add).
     */
    static native void epsilonDivide(ByteBuffer r, ByteBuffer z, ByteBuffer out, long size, float epsilon);

    /**
     * {@code out = a / (b + [b = 0]·shift)} element by element (−0 counts as 0, NaN does not), the same float32
     * operations as the element-wise ops.
     */
    static native void safeDivide(ByteBuffer a, ByteBuffer b, ByteBuffer out, long size, float shift);

    /** The ε division on arrays; null where the kernel does not take them ({@link #takes}, one shape, not empty). */
    static NDArray epsilonDivide(NDArray r, NDArray z, float epsilon) {
        return elementWise(r, z, m -> epsilonDivide(m[0], m[1], m[2], r.size(), epsilon));
    }

    /** SafeDivide on arrays; null where the kernel does not take them ({@link #takes}, one shape, not empty). */
    static NDArray safeDivide(NDArray a, NDArray b, float shift) {
        return elementWise(a, b, m -> safeDivide(m[0], m[1], m[2], a.size(), shift));
    }

    /** A new array of a's shape from a kernel of (a, b, out); null where the kernel does not take a and b. */
    private static NDArray elementWise(NDArray a, NDArray b, Kernel kernel) {
        if (!takes(a, b) || !a.getShape().equals(b.getShape()) || a.size() == 0) {
            return null;
        }
        NDArray out = a.getManager().create(a.getShape(), DataType.FLOAT32); // the kernel writes every element
        run(kernel, a, b, out);
        return out;
    }

    /** Whether a native kernel can read and write these arrays: either engine's, float32 values in CPU memory. */
    static boolean takes(NDArray... arrays) {
        if (!available()) {
            return false;
        }
        for (NDArray a : arrays) {
            if (!(a instanceof PtNDArray || a instanceof TfNDArray) || a.getDataType() != DataType.FLOAT32
                    || !Device.Type.CPU.equals(a.getDevice().getDeviceType())) {
                return false;
            }
        }
        return true;
    }

    /** A native call on the memory of arrays, in their order. */
    @FunctionalInterface
    interface Kernel {
        void run(ByteBuffer[] memory);
    }

    /**
     * Runs {@code kernel} on the arrays' memory, no copies where the engine allows: a PyTorch tensor's own (a
     * contiguous copy's, kept by the tensor's manager, where it is a strided view), a TensorFlow tensor's buffer
     * ({@link TensorFlowMemory}). Every array must be {@link #takes taken}.
     */
    static void run(Kernel kernel, NDArray... arrays) {
        ByteBuffer[] memory = new ByteBuffer[arrays.length];
        if (arrays[0] instanceof PtNDArray) {
            for (int i = 0; i < arrays.length; i++) {
                memory[i] = ((PtNDArray) arrays[i]).toByteBuffer(true);
            }
            kernel.run(memory);
            return;
        }
        try (PointerScope scope = new PointerScope()) {
            for (int i = 0; i < arrays.length; i++) {
                memory[i] = TensorFlowMemory.of(arrays[i]);
            }
            kernel.run(memory);
        }
    }

    private static String load() {
        if ("false".equalsIgnoreCase(System.getProperty(PROPERTY))) {
            return "turned off with -D" + PROPERTY + "=false";
        }
        String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch");
        if (!os.contains("linux") || !("amd64".equals(arch) || "x86_64".equals(arch))) {
            return "built for linux-x86_64 only, this is " + os + "-" + arch;
        }
        try (InputStream in = NativeKernels.class.getResourceAsStream("/native/linux-x86_64/" + LIBRARY)) {
            if (in == null) {
                return LIBRARY + " is not in the engine's jar (built without gcc?)";
            }
            // a file of its own per class loader: a library is loaded at most once per path and loader
            Path file = Files.createTempFile("signstream-kernels", ".so");
            file.toFile().deleteOnExit();
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
            System.load(file.toAbsolutePath().toString());
            return null;
        } catch (IOException | UnsatisfiedLinkError | SecurityException e) {
            String reason = LIBRARY + " did not load: " + e.getMessage();
            LOG.warn("{}; the engine uses libtorch's ops instead (same values, slower)", reason);
            return reason;
        }
    }
}
