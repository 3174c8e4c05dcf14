package io.signstream.engine.method;

/**
 * numpy's legacy {@code RandomState} for an integer seed, bit for bit: the MT19937 generator seeded by
 * {@code init_genrand} (numpy's {@code mt19937_seed}, which {@code np.random.seed(int)} uses), and doubles made
 * as numpy's {@code random_sample} makes them from two 32-bit outputs, (a >> 5) · 2^26 + (b >> 6) over 2^53.
 * {@code np.random.uniform(low, high)} is then {@code low + (high − low) · random_sample()}.
 *
 * <pre>{@code
 * NumpyRandomState r = new NumpyRandomState(1);   // np.random.seed(1)
 * double u = r.uniform(-1, 1);                    // np.random.uniform(-1, 1)
 * }</pre>
 */
final class NumpyRandomState {

    private static final int N = 624;
    private static final int M = 397;
    private static final int MATRIX_A = 0x9908b0df;
    private static final int UPPER_MASK = 0x80000000;
    private static final int LOWER_MASK = 0x7fffffff;

    private final int[] mt = new int[N];
    private int pos;

    /** @param seed 0 … 2³² − 1, as numpy accepts */
    NumpyRandomState(long seed) {
        if (seed < 0 || seed > 0xffffffffL) {
            throw new IllegalArgumentException("numpy seeds are 0 .. 2^32-1, got " + seed);
        }
        mt[0] = (int) seed;
        for (int i = 1; i < N; i++) {
            // int arithmetic wraps modulo 2^32 exactly as numpy's uint32 arithmetic does
            mt[i] = 1812433253 * (mt[i - 1] ^ (mt[i - 1] >>> 30)) + i;
        }
        pos = N;
    }

    /** The next tempered 32-bit output, as an unsigned value in a long. */
    long nextUint32() {
        if (pos >= N) {
            regenerate();
        }
        int y = mt[pos++];
        y ^= y >>> 11;
        y ^= (y << 7) & 0x9d2c5680;
        y ^= (y << 15) & 0xefc60000;
        y ^= y >>> 18;
        return y & 0xffffffffL;
    }

    /** numpy's {@code random_sample()}: a double in [0, 1) with 53 random bits. */
    double randomSample() {
        long a = nextUint32() >>> 5;
        long b = nextUint32() >>> 6;
        return (a * 67108864.0 + b) / 9007199254740992.0;
    }

    /** numpy's {@code uniform(low, high)}. */
    double uniform(double low, double high) {
        return low + (high - low) * randomSample();
    }

    private void regenerate() {
        for (int k = 0; k < N; k++) {
            int y = (mt[k] & UPPER_MASK) | (mt[(k + 1) % N] & LOWER_MASK);
            mt[k] = mt[(k + M) % N] ^ (y >>> 1) ^ ((y & 1) != 0 ? MATRIX_A : 0);
        }
        pos = 0;
    }
}
