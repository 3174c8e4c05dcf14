#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <math.h>
static double now() { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1e6 + t.tv_nsec / 1e3; }
/* generic: planes, H, W, kh, kw (stride = kernel) */
void pool_grad(const float* x, const float* g, float* out, long planes, long H, long W, int kh, int kw) {
    long h = H / kh, w = W / kw;
    memset(out, 0, sizeof(float) * planes * H * W);
    for (long p = 0; p < planes; p++) {
        const float* xp = x + p * H * W; float* op = out + p * H * W; const float* gp = g + p * h * w;
        for (long i = 0; i < h; i++) for (long j = 0; j < w; j++) {
            const float* base = xp + i * kh * W + j * kw;
            long bi = 0; float best = base[0];
            for (int a = 0; a < kh; a++) for (int b = 0; b < kw; b++) {
                float v = base[a * W + b];
                int take = (v > best) | (v != v);
                best = take ? v : best; bi = take ? a * W + b : bi;
            }
            op[i * kh * W + j * kw + bi] = gp[i * w + j];
        }
    }
}
void pool_grad22(const float* restrict x, const float* restrict g, float* restrict out, long planes, long H, long W) {
    long h = H / 2, w = W / 2;
    memset(out, 0, sizeof(float) * planes * H * W);
    for (long p = 0; p < planes; p++) {
        const float* xp = x + p * H * W; float* op = out + p * H * W; const float* gp = g + p * h * w;
        for (long i = 0; i < h; i++) {
            const float* restrict r0 = xp + 2 * i * W; const float* restrict r1 = r0 + W;
            float* restrict o0 = op + 2 * i * W; float* restrict o1 = o0 + W; const float* restrict gr = gp + i * w;
            for (long j = 0; j < w; j++) {
                float a0 = r0[2*j], a1 = r0[2*j+1], a2 = r1[2*j], a3 = r1[2*j+1], gv = gr[j];
                float m = a0, q = 0.f;
                int c1 = (a1 > m) | (a1 != a1); m = c1 ? a1 : m; q = c1 ? 1.f : q;
                int c2 = (a2 > m) | (a2 != a2); m = c2 ? a2 : m; q = c2 ? 2.f : q;
                int c3 = (a3 > m) | (a3 != a3); q = c3 ? 3.f : q;
                o0[2*j] = q == 0.f ? gv : 0.f; o0[2*j+1] = q == 1.f ? gv : 0.f;
                o1[2*j] = q == 2.f ? gv : 0.f; o1[2*j+1] = q == 3.f ? gv : 0.f;
            }
        }
    }
}
int main() {
    long shapes[][4] = {{64,8,16,16},{64,16,8,8},{32,16,32,32},{2,64,224,224},{2,512,28,28}};
    for (int s = 0; s < 5; s++) {
        long planes = shapes[s][0] * shapes[s][1], H = shapes[s][2], W = shapes[s][3], n = planes * H * W;
        float *x = malloc(n * 4), *g = malloc(n * 4), *o = malloc(n * 4), *o2 = malloc(n * 4);
        for (long i = 0; i < n; i++) { x[i] = (i % 97 < 20) ? 0.5f : (float) rand() / RAND_MAX; g[i] = (float) rand() / RAND_MAX; }
        int reps = n > 1000000 ? 50 : 2000;
        double t0 = now(); for (int r = 0; r < reps; r++) pool_grad(x, g, o, planes, H, W, 2, 2);
        double t1 = now(); for (int r = 0; r < reps; r++) pool_grad22(x, g, o2, planes, H, W);
        double t2 = now();
        printf("%ld %ld %ld %ld: generic %.1f us, 2x2 %.1f us, same %d\n", shapes[s][0], shapes[s][1], H, W, (t1 - t0) / reps, (t2 - t1) / reps, memcmp(o, o2, n * 4) == 0);
    }
}
