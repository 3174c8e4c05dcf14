#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <time.h>
static double now() { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1e6 + t.tv_nsec / 1e3; }
static inline uint32_t bits(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }
static inline float flt(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }
__attribute__((target_clones("avx2", "default")))
void old22(const float *restrict x, const float *restrict g, float *restrict out, long planes, long height, long width) {
    long h = height / 2, w = width / 2;
    for (long p = 0; p < planes; p++) {
        const float *xp = x + p * height * width; float *op = out + p * height * width; const float *gp = g + p * h * w;
        for (long i = 0; i < h; i++) {
            const float *restrict r0 = xp + 2 * i * width, *restrict r1 = r0 + width;
            float *restrict o0 = op + 2 * i * width, *restrict o1 = o0 + width; const float *restrict gr = gp + i * w;
            for (long j = 0; j < w; j++) {
                float a0 = r0[2 * j], a1 = r0[2 * j + 1], a2 = r1[2 * j], a3 = r1[2 * j + 1], gv = gr[j];
                float m = a0, q = 0.f;
                int c1 = (a1 > m) | (a1 != a1); m = c1 ? a1 : m; q = c1 ? 1.f : q;
                int c2 = (a2 > m) | (a2 != a2); m = c2 ? a2 : m; q = c2 ? 2.f : q;
                int c3 = (a3 > m) | (a3 != a3); q = c3 ? 3.f : q;
                o0[2 * j] = q == 0.f ? gv : 0.f; o0[2 * j + 1] = q == 1.f ? gv : 0.f;
                o1[2 * j] = q == 2.f ? gv : 0.f; o1[2 * j + 1] = q == 3.f ? gv : 0.f;
            }
        }
    }
}
__attribute__((target_clones("avx2", "default")))
void new22(const float *restrict x, const float *restrict g, float *restrict out, long planes, long height, long width) {
    long h = height / 2, w = width / 2;
    for (long p = 0; p < planes; p++) {
        const float *xp = x + p * height * width; float *op = out + p * height * width; const float *gp = g + p * h * w;
        for (long i = 0; i < h; i++) {
            const float *restrict r0 = xp + 2 * i * width, *restrict r1 = r0 + width;
            float *restrict o0 = op + 2 * i * width, *restrict o1 = o0 + width; const float *restrict gr = gp + i * w;
            for (long j = 0; j < w; j++) {
                float a0 = r0[2 * j], a1 = r0[2 * j + 1], a2 = r1[2 * j], a3 = r1[2 * j + 1];
                uint32_t gb = bits(gr[j]);
                /* masks: all ones where the tap takes over (greater, or NaN), selects by bit operations */
                uint32_t k1 = -(uint32_t) ((a1 > a0) | (a1 != a1));
                uint32_t mb = (bits(a1) & k1) | (bits(a0) & ~k1);
                float m = flt(mb);
                uint32_t k2 = -(uint32_t) ((a2 > m) | (a2 != a2));
                mb = (bits(a2) & k2) | (mb & ~k2);
                m = flt(mb);
                uint32_t k3 = -(uint32_t) ((a3 > m) | (a3 != a3));
                /* the winner: the last tap whose mask is set */
                uint32_t w3 = k3, w2 = k2 & ~k3, w1 = k1 & ~k2 & ~k3, w0 = ~(k1 | k2 | k3);
                o0[2 * j] = flt(gb & w0); o0[2 * j + 1] = flt(gb & w1);
                o1[2 * j] = flt(gb & w2); o1[2 * j + 1] = flt(gb & w3);
            }
        }
    }
}
int main() {
    long shapes[][4] = {{64,8,16,16},{64,16,8,8},{32,16,32,32},{32,32,16,16},{2,64,224,224},{2,512,28,28},{64,32,4,4}};
    for (int s = 0; s < 7; s++) {
        long planes = shapes[s][0] * shapes[s][1], H = shapes[s][2], W = shapes[s][3], n = planes * H * W;
        float *x = malloc(n * 4), *g = malloc(n * 4), *o = malloc(n * 4), *o2 = malloc(n * 4);
        for (int data = 0; data < 2; data++) {
            for (long i = 0; i < n; i++) { x[i] = data == 0 ? (float) rand() / RAND_MAX - 0.5f : ((i % 97 < 60) ? 0.25f : (float) rand() / RAND_MAX); g[i] = (float) rand() / RAND_MAX - 0.5f; }
            int reps = n > 1000000 ? 50 : 2000;
            double t0 = now(); for (int r = 0; r < reps; r++) old22(x, g, o, planes, H, W);
            double t1 = now(); for (int r = 0; r < reps; r++) new22(x, g, o2, planes, H, W);
            double t2 = now();
            printf("%ld %ld %ld %ld %s: old %.1f us, new %.1f us, same %d\n", shapes[s][0], shapes[s][1], H, W, data ? "ties" : "random", (t1 - t0) / reps, (t2 - t1) / reps, memcmp(o, o2, n * 4) == 0);
        }
    }
}
