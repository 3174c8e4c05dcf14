package io.signstream.engine.backend;

import ai.djl.ndarray.NDArray;
import ai.djl.tensorflow.engine.TfNDArray;
import java.nio.ByteBuffer;
import org.bytedeco.javacpp.Pointer;
import org.tensorflow.internal.c_api.TF_Status;
import org.tensorflow.internal.c_api.TF_Tensor;
import org.tensorflow.internal.c_api.global.tensorflow;

/**
 * The memory of a TensorFlow tensor on the CPU as a direct buffer, for {@link NativeKernels}: TensorFlow's C API
 * resolves an eager handle to a {@code TF_Tensor} that shares the handle's buffer on the CPU (DJL's own
 * {@code TfNDArray.set} writes through it the same way), where DJL's {@code toByteBuffer} copies it into the Java
 * heap.
 *
 * <p>Call it inside a {@code org.bytedeco.javacpp.PointerScope} that outlives the use of the buffer: closing the
 * scope releases the resolved tensor, not the handle's buffer.
 */
final class TensorFlowMemory {

    private TensorFlowMemory() {
    }

    static ByteBuffer of(NDArray a) {
        TF_Status status = TF_Status.newStatus();
        TF_Tensor t = tensorflow.TFE_TensorHandleResolve(((TfNDArray) a).getHandle(), status).withDeallocator();
        status.throwExceptionIfNotOK();
        Pointer data = tensorflow.TF_TensorData(t).capacity(tensorflow.TF_TensorByteSize(t));
        return data.asByteBuffer();
    }
}
