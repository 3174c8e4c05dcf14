package io.signstream.engine.onnx;

/** Plain-loop reference computations for the op tests (independent of DJL). */
final class ReferenceOps {

    private ReferenceOps() {
    }

    /**
     * Cross-correlation of one sample; a 1-D layer is a 2-D one with height 1.
     *
     * @param x (C, H, W)
     * @param xShape {C, H, W}
     * @param w (O, C/groups, kH, kW)
     * @param wShape {O, C/groups, kH, kW}
     * @param bias (O) or null
     * @return (O, outH, outW)
     */
    static float[] conv(float[] x, int[] xShape, float[] w, int[] wShape, float[] bias, int[] strides,
            int[] padBegin, int[] padEnd, int[] dilations, int groups) {
        int c = xShape[0];
        int h = xShape[1];
        int wd = xShape[2];
        int o = wShape[0];
        int cg = wShape[1];
        int kh = wShape[2];
        int kw = wShape[3];
        int outH = (h + padBegin[0] + padEnd[0] - dilations[0] * (kh - 1) - 1) / strides[0] + 1;
        int outW = (wd + padBegin[1] + padEnd[1] - dilations[1] * (kw - 1) - 1) / strides[1] + 1;
        float[] y = new float[o * outH * outW];
        int perGroup = o / groups;
        for (int oc = 0; oc < o; oc++) {
            int g = oc / perGroup;
            for (int oy = 0; oy < outH; oy++) {
                for (int ox = 0; ox < outW; ox++) {
                    double sum = bias == null ? 0 : bias[oc];
                    for (int ic = 0; ic < cg; ic++) {
                        for (int ky = 0; ky < kh; ky++) {
                            for (int kx = 0; kx < kw; kx++) {
                                int iy = oy * strides[0] - padBegin[0] + ky * dilations[0];
                                int ix = ox * strides[1] - padBegin[1] + kx * dilations[1];
                                if (iy >= 0 && iy < h && ix >= 0 && ix < wd) {
                                    sum += x[((g * cg + ic) * h + iy) * wd + ix]
                                            * w[((oc * cg + ic) * kh + ky) * kw + kx];
                                }
                            }
                        }
                    }
                    y[(oc * outH + oy) * outW + ox] = (float) sum;
                }
            }
        }
        return y;
    }

}
