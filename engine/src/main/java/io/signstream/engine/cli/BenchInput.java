package io.signstream.engine.cli;

import io.signstream.engine.npy.NpyArray;
import java.util.Arrays;
import java.util.SplittableRandom;

/** The batch {@code signstream bench} times: the user's samples repeated to the batch size, or seeded noise. */
final class BenchInput {

    /** Bounds a shape typed on the command line (a 4096-sample batch of it must stay allocatable). */
    static final long MAX_SAMPLE_VALUES = 1L << 24;

    private BenchInput() {
    }

    /** {@code C,H,W} (any rank from 1 to 4) into a sample shape. */
    static long[] parseShape(String text) throws CliArgs.UsageException {
        String[] parts = text.split(",");
        if (parts.length < 1 || parts.length > 4) {
            throw new CliArgs.UsageException("--input-shape wants 1 to 4 comma-separated sizes (e.g. 3,224,224), got '"
                    + text + "'");
        }
        long[] shape = new long[parts.length];
        long values = 1;
        for (int i = 0; i < parts.length; i++) {
            try {
                shape[i] = Long.parseLong(parts[i].trim());
            } catch (NumberFormatException e) {
                throw new CliArgs.UsageException("--input-shape wants whole numbers, got '" + text + "'");
            }
            if (shape[i] < 1 || shape[i] > MAX_SAMPLE_VALUES) {
                throw new CliArgs.UsageException("--input-shape sizes must be positive, got '" + text + "'");
            }
            values *= shape[i];
            if (values > MAX_SAMPLE_VALUES) {
                throw new CliArgs.UsageException("--input-shape " + text + " has more than " + MAX_SAMPLE_VALUES
                        + " values per sample");
            }
        }
        return shape;
    }

    /** A standard-normal batch, seeded, so that two runs time the same numbers. */
    static NpyArray random(long[] sampleShape, int batch) throws CliArgs.UsageException {
        long per = Arrays.stream(sampleShape).reduce(1, (a, b) -> a * b);
        checkSize(per, batch);
        SplittableRandom random = new SplittableRandom(0);
        float[] data = new float[(int) (per * batch)];
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) random.nextGaussian();
        }
        return new NpyArray(data, withBatch(sampleShape, batch));
    }

    /** The file's samples in order, repeated (or cut) to {@code batch} rows. */
    static NpyArray tiled(NpyArray samples, int batch) throws CliArgs.UsageException {
        if (samples.rank() < 2 || samples.shape()[0] < 1) {
            throw new CliArgs.UsageException("--input needs a batch-first array with at least one sample, got shape "
                    + Arrays.toString(samples.shape()));
        }
        int per = samples.data().length / (int) samples.shape()[0];
        checkSize(per, batch);
        float[] data = new float[per * batch];
        for (int row = 0; row < batch; row++) {
            int from = (int) (row % samples.shape()[0]);
            System.arraycopy(samples.data(), from * per, data, row * per, per);
        }
        return new NpyArray(data, withBatch(samples.sampleShape(), batch));
    }

    private static void checkSize(long perSample, int batch) throws CliArgs.UsageException {
        if (perSample * batch > Integer.MAX_VALUE - 8) {
            throw new CliArgs.UsageException("a batch of " + batch + " samples of " + perSample
                    + " values does not fit one array; use a smaller --batch");
        }
    }

    private static long[] withBatch(long[] sampleShape, int batch) {
        long[] shape = new long[sampleShape.length + 1];
        shape[0] = batch;
        System.arraycopy(sampleShape, 0, shape, 1, sampleShape.length);
        return shape;
    }
}
