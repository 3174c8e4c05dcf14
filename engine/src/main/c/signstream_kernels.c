/*
 * The engine's own CPU kernels, for the few steps libtorch has no fast CPU form for (see
 * io.signstream.engine.backend.NativeKernels, which loads this library and falls back to libtorch's ops without it).
 *
 * tiledMaxPoolGradient2d: the gradient of a 2-D max pooling whose windows tile the input (stride = window, no
 * padding), routed to each window's first maximum in row-major order: libtorch's rule, a later value wins only if it
 * is greater or NaN (so the last NaN of a window wins). Positions past the last whole window get 0. Built from
 * libtorch's ops this takes a dozen strided element-wise kernels (about 3.5x the forward pooling); here it is one
 * pass over x, vectorised for 2x2 windows.
 *
 * addShiftedTaps: the second half of a transposed convolution computed as a matrix product (the taps' columns),
 * each tap added into the output at its offset; libtorch needs a strided in-place add per tap and slices around it.
 *
 * epsilonDivide, safeDivide: the LRP rules' stabilised divisions, r / (z + eps * sign+(z)) and
 * a / (b + [b = 0] * shift), in one pass instead of four or five element-wise kernels. Compiled with -ffp-contract=off (engine/pom.xml): the
 * same float operations as libtorch's, rounded the same way.
 */
#include <jni.h>
#include <stddef.h>
#include <string.h>

/*
 * 2x2 windows: the selects below compile to vector compares and blends (gcc -O3), one lane per window of a row. Rows of
 * fewer than 8 windows take the SSE2 form (4 lanes): in the AVX2 form (8 lanes) they would run as its scalar
 * remainder, whose selects are branches, mispredicted on every other window of real data (measured: 152 against
 * 21 us on (64, 16, 8, 8) standard-normal values).
 */
static inline __attribute__((always_inline)) void route_2x2_rows(const float *restrict x, const float *restrict g,
        float *restrict out, long planes, long height, long width) {
    long h = height / 2, w = width / 2;
    for (long p = 0; p < planes; p++) {
        const float *xp = x + p * height * width;
        float *op = out + p * height * width;
        const float *gp = g + p * h * w;
        for (long i = 0; i < h; i++) {
            const float *restrict r0 = xp + 2 * i * width, *restrict r1 = r0 + width;
            float *restrict o0 = op + 2 * i * width, *restrict o1 = o0 + width;
            const float *restrict gr = gp + i * w;
            for (long j = 0; j < w; j++) {
                float a0 = r0[2 * j], a1 = r0[2 * j + 1], a2 = r1[2 * j], a3 = r1[2 * j + 1], gv = gr[j];
                float m = a0, q = 0.f;
                int c1 = (a1 > m) | (a1 != a1);
                m = c1 ? a1 : m;
                q = c1 ? 1.f : q;
                int c2 = (a2 > m) | (a2 != a2);
                m = c2 ? a2 : m;
                q = c2 ? 2.f : q;
                int c3 = (a3 > m) | (a3 != a3);
                q = c3 ? 3.f : q;
                o0[2 * j] = q == 0.f ? gv : 0.f;
                o0[2 * j + 1] = q == 1.f ? gv : 0.f;
                o1[2 * j] = q == 2.f ? gv : 0.f;
                o1[2 * j + 1] = q == 3.f ? gv : 0.f;
            }
        }
    }
}

static void route_2x2_sse(const float *x, const float *g, float *out, long planes, long height, long width) {
    route_2x2_rows(x, g, out, planes, height, width);
}

__attribute__((target("avx2")))
static void route_2x2_avx2(const float *x, const float *g, float *out, long planes, long height, long width) {
    route_2x2_rows(x, g, out, planes, height, width);
}

static void route_2x2(const float *x, const float *g, float *out, long planes, long height, long width) {
    if (width / 2 >= 8 && __builtin_cpu_supports("avx2")) {
        route_2x2_avx2(x, g, out, planes, height, width);
    } else {
        route_2x2_sse(x, g, out, planes, height, width);
    }
}

/* any other tile: the window scanned in row-major order */
static void route_tiles(const float *x, const float *g, float *out, long planes, long height, long width, int kh,
        int kw) {
    long h = height / kh, w = width / kw;
    for (long p = 0; p < planes; p++) {
        const float *xp = x + p * height * width;
        float *op = out + p * height * width;
        const float *gp = g + p * h * w;
        for (long i = 0; i < h; i++) {
            for (long j = 0; j < w; j++) {
                long first = (i * kh) * width + j * kw, best = first;
                float m = xp[first];
                for (int a = 0; a < kh; a++) {
                    for (int b = 0; b < kw; b++) {
                        long at = first + a * width + b;
                        float v = xp[at];
                        if (v > m || v != v) {
                            m = v;
                            best = at;
                        }
                    }
                }
                op[best] = gp[i * w + j];
            }
        }
    }
}

/* out[p, y, x] = sum over taps (a, b) of cols[p, a*kw + b, y + top - a, x + left - b], where that position exists */
static void add_shifted_taps(const float *cols, float *out, long planes, int kh, int kw, long h, long w, long out_h,
        long out_w, long top, long left) {
    for (long p = 0; p < planes; p++) {
        float *op = out + p * out_h * out_w;
        memset(op, 0, sizeof(float) * (size_t) (out_h * out_w));
        for (int a = 0; a < kh; a++) {
            for (int b = 0; b < kw; b++) {
                const float *tap = cols + (p * kh * kw + a * kw + b) * h * w;
                /* rows i of the tap land on output row i + a - top, columns j on j + b - left */
                long i0 = top - a > 0 ? top - a : 0, i1 = out_h + top - a < h ? out_h + top - a : h;
                long j0 = left - b > 0 ? left - b : 0, j1 = out_w + left - b < w ? out_w + left - b : w;
                for (long i = i0; i < i1; i++) {
                    const float *restrict src = tap + i * w + j0;
                    float *restrict dst = op + (i + a - top) * out_w + (j0 + b - left);
                    for (long j = 0; j < j1 - j0; j++) {
                        dst[j] += src[j];
                    }
                }
            }
        }
    }
}

static void *address(JNIEnv *env, jobject buffer, jlong bytes) {
    void *a = buffer == NULL ? NULL : (*env)->GetDirectBufferAddress(env, buffer);
    if (a == NULL || (*env)->GetDirectBufferCapacity(env, buffer) < bytes) {
        jclass e = (*env)->FindClass(env, "java/lang/IllegalArgumentException");
        (*env)->ThrowNew(env, e, "a buffer is not direct or smaller than its tensor");
        return NULL;
    }
    return a;
}

JNIEXPORT void JNICALL Java_io_signstream_engine_backend_NativeKernels_tiledMaxPoolGradient2d(JNIEnv *env,
        jclass cls, jobject x, jobject upstream, jobject out, jlong planes, jlong height, jlong width, jint kh,
        jint kw) {
    (void) cls;
    if (planes < 0 || height < kh || width < kw || kh < 1 || kw < 1) {
        jclass e = (*env)->FindClass(env, "java/lang/IllegalArgumentException");
        (*env)->ThrowNew(env, e, "no whole window");
        return;
    }
    jlong size = planes * height * width * (jlong) sizeof(float);
    jlong pooled = planes * (height / kh) * (width / kw) * (jlong) sizeof(float);
    const float *xp = address(env, x, size);
    if (xp == NULL) {
        return;
    }
    const float *gp = address(env, upstream, pooled);
    if (gp == NULL) {
        return;
    }
    float *op = address(env, out, size);
    if (op == NULL) {
        return;
    }
    if (kh == 2 && kw == 2) {
        /* writes every position of the whole windows; the rest (odd sizes) is cleared first */
        if (height % 2 != 0 || width % 2 != 0) {
            memset(op, 0, (size_t) size);
        }
        route_2x2(xp, gp, op, planes, height, width);
    } else {
        memset(op, 0, (size_t) size);
        route_tiles(xp, gp, op, planes, height, width, kh, kw);
    }
}

JNIEXPORT void JNICALL Java_io_signstream_engine_backend_NativeKernels_addShiftedTaps(JNIEnv *env, jclass cls,
        jobject cols, jobject out, jlong planes, jint kh, jint kw, jlong h, jlong w, jlong out_h, jlong out_w,
        jlong top, jlong left) {
    (void) cls;
    if (planes < 0 || kh < 1 || kw < 1 || h < 0 || w < 0 || out_h < 0 || out_w < 0 || top < 0 || left < 0) {
        jclass e = (*env)->FindClass(env, "java/lang/IllegalArgumentException");
        (*env)->ThrowNew(env, e, "negative size");
        return;
    }
    const float *cp = address(env, cols, planes * kh * kw * h * w * (jlong) sizeof(float));
    if (cp == NULL) {
        return;
    }
    float *op = address(env, out, planes * out_h * out_w * (jlong) sizeof(float));
    if (op == NULL) {
        return;
    }
    add_shifted_taps(cp, op, planes, kh, kw, h, w, out_h, out_w, top, left);
}

/* the three buffers of an element-wise kernel, of size floats each; 0 (and an exception pending) if one does not fit */
static int three(JNIEnv *env, jobject a, jobject b, jobject out, jlong size, const float **ap, const float **bp,
        float **op) {
    jlong bytes = size * (jlong) sizeof(float);
    *ap = address(env, a, bytes);
    *bp = *ap == NULL ? NULL : address(env, b, bytes);
    *op = *bp == NULL ? NULL : address(env, out, bytes);
    return *op != NULL;
}

JNIEXPORT void JNICALL Java_io_signstream_engine_backend_NativeKernels_epsilonDivide(JNIEnv *env, jclass cls,
        jobject r, jobject z, jobject out, jlong size, jfloat epsilon) {
    (void) cls;
    const float *rp, *zp;
    float *op;
    if (!three(env, r, z, out, size, &rp, &zp, &op)) {
        return;
    }
    for (jlong i = 0; i < size; i++) {
        float shift = zp[i] >= 0.f ? epsilon : -epsilon; /* sign+(z) * eps, exactly +-eps; NaN z stays NaN */
        op[i] = rp[i] / (zp[i] + shift);
    }
}

JNIEXPORT void JNICALL Java_io_signstream_engine_backend_NativeKernels_safeDivide(JNIEnv *env, jclass cls,
        jobject a, jobject b, jobject out, jlong size, jfloat shift) {
    (void) cls;
    const float *ap, *bp;
    float *op;
    if (!three(env, a, b, out, size, &ap, &bp, &op)) {
        return;
    }
    for (jlong i = 0; i < size; i++) {
        op[i] = ap[i] / (bp[i] + (bp[i] == 0.f ? shift : 0.f));
    }
}
