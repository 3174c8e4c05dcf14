package io.signstream.engine.backend;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.tensorflow.engine.TfRawOp;
import io.signstream.engine.graph.ConvSpec;

/**
 * Convolution, its transpose and padding as raw TensorFlow ops, for channels-first arrays.
 *
 * <ul>
 *   <li>NHWC inside: TensorFlow's CPU kernels for Conv2D and friends reject NCHW, so every call transposes its
 *       input to NHWC and its result back.</li>
 *   <li>1-D runs as 2-D with a height of 1 (TensorFlow has no Conv1D op; Keras does the same).</li>
 *   <li>groups == 1: Conv2D / Conv2DBackpropInput with an HWIO filter.</li>
 *   <li>groups == channels: DepthwiseConv2dNative / DepthwiseConv2dNativeBackpropInput with a (kh, kw, C, M)
 *       filter; its output channel c·M + m is PyTorch's, so the pooling kernels (channel multiplier = window size)
 *       work unchanged.</li>
 *   <li>other groups: TensorFlow's CPU Conv2D has no groups, so the channels are split per group and the
 *       results concatenated.</li>
 *   <li>asymmetric padding: padding "EXPLICIT" with per-side amounts, so no padded copy of the input is made.</li>
 *   <li>dilation: written into the kernel as zeros between its taps, because TensorFlow's CPU input-gradient
 *       kernels refuse dilations above 1 and the depthwise kernels get them wrong.</li>
 * </ul>
 *
 * <p>Intermediate tensors live in a scratch manager closed before returning; only the result joins the
 * caller's manager.
 */
final class TensorFlowConvolution {

    private static final int[] TO_NHWC = {0, 2, 3, 1};
    private static final int[] TO_NCHW = {0, 3, 1, 2};
    /** (Cout, Cin/g, kh, kw) to TensorFlow's HWIO. */
    private static final int[] TO_HWIO = {2, 3, 1, 0};
    /** (Cout, Cin, kh, kw) to the HWIO filter of the transposed convolution, (kh, kw, Cout, Cin). */
    private static final int[] TO_FLIPPED_HWIO = {2, 3, 0, 1};
    /** (C, M, kh, kw) to TensorFlow's depthwise (kh, kw, C, M). */
    private static final int[] TO_DEPTHWISE = {2, 3, 0, 1};

    private TensorFlowConvolution() {
    }

    static NDArray conv(NDArray x, NDArray w, NDArray bias, ConvSpec spec) {
        return conv(x, w, bias, spec, null);
    }

    /**
     * @param filters where the filter in TensorFlow's layout is kept across calls (null: derived per call)
     */
    static NDArray conv(NDArray x, NDArray w, NDArray bias, ConvSpec spec, DerivedWeights filters) {
        checkConv(x.getShape(), w, spec);
        if (bias != null && bias.getShape().size() != w.getShape().get(0)) {
            throw new IllegalArgumentException("bias " + bias.getShape() + " does not match " + w.getShape().get(0)
                    + " output channels");
        }
        Geometry geo = Geometry.of(spec);
        NDManager out = x.getManager();
        long cin = x.getShape().get(1);
        int groups = spec.groups();
        boolean depthwise = groups != 1 && groups == cin && geo.depthwiseSupported();
        try (NDManager s = out.newSubManager()) {
            NDArray xh = transpose(s, as4d(s, x), TO_NHWC);
            NDArray filter = filter(s, w, geo, depthwise, cin, filters);
            NDArray yh;
            if (groups == 1) {
                yh = conv2d(s, xh, filter, geo);
            } else if (depthwise) {
                yh = depthwise(s, xh, filter, geo);
            } else {
                yh = groupedConv(s, xh, filter, groups, geo);
            }
            if (bias != null) {
                yh = TfRawOp.of(s, "BiasAdd").input(yh).input(bias).attr("data_format", "NHWC").run();
            }
            return toChannelsFirst(out, s, yh, spec.spatialRank());
        }
    }

    static NDArray convTranspose(NDArray g, NDArray w, ConvSpec spec, Shape inputShape) {
        return convTranspose(g, w, spec, inputShape, null, null);
    }

    /**
     * @param filters as for {@link #conv(NDArray, NDArray, NDArray, ConvSpec, DerivedWeights)}
     * @param flippedFilters where the rotated kernels of {@link #flippedGeometry} are kept across calls (null: the
     *     transpose runs as Conv2DBackpropInput)
     */
    static NDArray convTranspose(NDArray g, NDArray w, ConvSpec spec, Shape inputShape, DerivedWeights filters,
            DerivedWeights flippedFilters) {
        Shape expected = checkConv(inputShape, w, spec);
        if (!g.getShape().equals(expected)) {
            throw new IllegalArgumentException("the signal " + g.getShape() + " is not the shape " + expected
                    + " of the convolution output for an input " + inputShape + " with " + spec);
        }
        Geometry geo = Geometry.of(spec);
        NDManager out = g.getManager();
        boolean oneD = spec.spatialRank() == 1;
        long n = inputShape.get(0);
        long cin = inputShape.get(1);
        long h = oneD ? 1 : inputShape.get(2);
        long wd = oneD ? inputShape.get(2) : inputShape.get(3);
        int groups = spec.groups();
        boolean depthwise = groups != 1 && groups == cin && geo.depthwiseSupported();
        try (NDManager s = out.newSubManager()) {
            NDArray gh = transpose(s, as4d(s, g), TO_NHWC);
            Geometry flippedGeo = flippedFilters == null ? null : flippedGeometry(spec, w.getShape());
            if (flippedGeo != null) {
                NDArray rotated = flippedFilters.get(w, a -> {
                    try (NDManager fs = a.getManager().newSubManager()) {
                        NDArray f = flippedFilterOf(fs, a, geo);
                        f.attach(a.getManager());
                        return f;
                    }
                });
                return toChannelsFirst(out, s, conv2d(s, gh, rotated, flippedGeo), spec.spatialRank());
            }
            NDArray filter = filter(s, w, geo, depthwise, cin, filters);
            NDArray xh;
            if (groups == 1) {
                xh = conv2dBackpropInput(s, sizes(s, n, h, wd, cin), filter, gh, geo);
            } else if (depthwise) {
                xh = depthwiseBackpropInput(s, sizes(s, n, h, wd, cin), filter, gh, geo);
            } else {
                xh = groupedBackpropInput(s, gh, filter, groups, sizes(s, n, h, wd, cin / groups), geo);
            }
            return toChannelsFirst(out, s, xh, spec.spatialRank());
        }
    }

    /**
     * Checks the operands in Java and returns the output shape, so that a mistake gets a message in SignStream's
     * terms rather than a TensorFlow kernel error (and never reaches a kernel even if the engine were still on
     * DJL's asynchronous context, where a failing kernel poisons every later op; see TfSyncContext).
     */
    static Shape checkConv(Shape x, NDArray w, ConvSpec spec) {
        Shape ws = w.getShape();
        int k = spec.spatialRank();
        if (k < 1 || k > 2 || x.dimension() != 2 + k || ws.dimension() != 2 + k) {
            throw new IllegalArgumentException("convolution needs (N, C, spatial...) and (Cout, Cin/groups, k...) for "
                    + k + " spatial axes (1 or 2), got " + x + " and " + ws);
        }
        int groups = spec.groups();
        if (ws.get(1) * groups != x.get(1) || ws.get(0) % groups != 0) {
            throw new IllegalArgumentException("kernel " + ws + " with " + groups + " groups does not fit an input "
                    + "with " + x.get(1) + " channels");
        }
        long[] out = new long[2 + k];
        out[0] = x.get(0);
        out[1] = ws.get(0);
        for (int i = 0; i < k; i++) {
            if (spec.strides()[i] < 1 || spec.dilations()[i] < 1 || spec.padBegin()[i] < 0 || spec.padEnd()[i] < 0) {
                throw new IllegalArgumentException("invalid convolution geometry " + spec);
            }
            out[2 + i] = spec.outputLength(i, x.get(2 + i), ws.get(2 + i));
            if (out[2 + i] < 1) {
                throw new IllegalArgumentException("kernel " + ws + " does not fit an input " + x + " with " + spec);
            }
        }
        return new Shape(out);
    }

    /** Constant padding with one PadV2 op. */
    static NDArray pad(NDArray x, long[] begin, long[] end, float value) {
        int rank = x.getShape().dimension();
        if (begin.length != rank || end.length != rank) {
            throw new IllegalArgumentException("padding needs " + rank + " begin and end values for " + x.getShape());
        }
        for (int i = 0; i < rank; i++) {
            if (begin[i] < 0 || end[i] < 0) {
                throw new IllegalArgumentException("negative padding on axis " + i);
            }
        }
        NDManager m = x.getManager();
        long[] pairs = new long[2 * begin.length];
        for (int i = 0; i < begin.length; i++) {
            pairs[2 * i] = begin[i];
            pairs[2 * i + 1] = end[i];
        }
        try (NDManager s = m.newSubManager()) {
            NDArray paddings = s.create(pairs, new Shape(begin.length, 2));
            NDArray fill = s.create(value).toType(x.getDataType(), false);
            return TfRawOp.of(m, "PadV2").input(x).input(paddings).input(fill).run();
        }
    }

    private static NDArray conv2d(NDManager m, NDArray xh, NDArray filter, Geometry geo) {
        return geo.apply(TfRawOp.of(m, "Conv2D").input(xh).input(filter)).run();
    }

    private static NDArray conv2dBackpropInput(NDManager m, NDArray sizes, NDArray filter, NDArray gh,
            Geometry geo) {
        return geo.apply(TfRawOp.of(m, "Conv2DBackpropInput").input(sizes).input(filter).input(gh)).run();
    }

    private static NDArray depthwise(NDManager m, NDArray xh, NDArray filter, Geometry geo) {
        return geo.apply(TfRawOp.of(m, "DepthwiseConv2dNative").input(xh).input(filter)).run();
    }

    private static NDArray depthwiseBackpropInput(NDManager m, NDArray sizes, NDArray filter, NDArray gh,
            Geometry geo) {
        return geo.apply(TfRawOp.of(m, "DepthwiseConv2dNativeBackpropInput").input(sizes).input(filter).input(gh))
                .run();
    }

    private static NDArray groupedConv(NDManager m, NDArray xh, NDArray filter, int groups, Geometry geo) {
        NDArray[] xs = splitLastAxis(m, xh, groups);
        NDArray[] fs = splitLastAxis(m, filter, groups);
        NDArray[] ys = new NDArray[groups];
        for (int i = 0; i < groups; i++) {
            ys[i] = conv2d(m, xs[i], fs[i], geo);
        }
        return concatLastAxis(m, ys);
    }

    private static NDArray groupedBackpropInput(NDManager m, NDArray gh, NDArray filter, int groups,
            NDArray groupSizes, Geometry geo) {
        NDArray[] gs = splitLastAxis(m, gh, groups);
        NDArray[] fs = splitLastAxis(m, filter, groups);
        NDArray[] xs = new NDArray[groups];
        for (int i = 0; i < groups; i++) {
            xs[i] = conv2dBackpropInput(m, groupSizes, fs[i], gs[i], geo);
        }
        return concatLastAxis(m, xs);
    }

    /** Splits the last axis into equal parts (channels of NHWC, output channels of HWIO). */
    private static NDArray[] splitLastAxis(NDManager m, NDArray a, int parts) {
        NDArray axis = m.create(a.getShape().dimension() - 1);
        return TfRawOp.of(m, "Split").input(axis).input(a).attr("num_split", (long) parts).run(parts);
    }

    private static NDArray concatLastAxis(NDManager m, NDArray[] parts) {
        NDArray axis = m.create(parts[0].getShape().dimension() - 1);
        return TfRawOp.of(m, "ConcatV2").inputList(parts).input(axis).run();
    }

    /**
     * The kernel in the layout of the op that runs it (HWIO, or depthwise (kh, kw, C, M)), dilation written out:
     * from the cache when one is given, so a model's filters are rearranged once, not on every pass.
     */
    private static NDArray filter(NDManager scratch, NDArray w, Geometry geo, boolean depthwise, long cin,
            DerivedWeights filters) {
        if (filters == null) {
            return filterOf(scratch, w, geo, depthwise, cin);
        }
        // the dilation and the op choice are fixed per layer, so one derived filter per weight array is enough
        return filters.get(w, a -> {
            try (NDManager s = a.getManager().newSubManager()) {
                NDArray f = filterOf(s, a, geo, depthwise, cin);
                f.attach(a.getManager());
                return f;
            }
        });
    }

    private static NDArray filterOf(NDManager m, NDArray w, Geometry geo, boolean depthwise, long cin) {
        NDArray w4 = dilate(m, as4d(m, w), geo);
        return depthwise ? depthwiseFilter(m, w4, cin) : transpose(m, w4, TO_HWIO);
    }

    /**
     * The geometry under which the transpose of a convolution is itself a convolution, or null: one group, stride 1
     * on every axis, and no side padded by more than the (dilated) kernel length − 1. Then the input gradient is the
     * cross-correlation of the output signal with the kernel rotated by 180° and its channel axes swapped
     * ({@link #flippedFilterOf}), padded by k − 1 − p on each side. TensorFlow's CPU Conv2D computes that ~1.4×
     * faster than Conv2DBackpropInput (VGG16/4: 632 against 894 profile samples per map, 2026-12-02); the stride-1
     * layers are most convolutions of the usual image models.
     */
    static Geometry flippedGeometry(ConvSpec spec, Shape w) {
        if (spec.groups() != 1) {
            return null;
        }
        int k = spec.spatialRank();
        long[] pads = new long[8];
        for (int i = 0; i < k; i++) {
            long span = (w.get(2 + i) - 1) * spec.dilations()[i]; // dilated kernel length − 1
            if (spec.strides()[i] != 1 || spec.padBegin()[i] > span || spec.padEnd()[i] > span) {
                return null;
            }
            int axis = k == 1 ? 2 : 1 + i; // NHWC axis: a 1-D signal lies along the width
            pads[2 * axis] = span - spec.padBegin()[i];
            pads[2 * axis + 1] = span - spec.padEnd()[i];
        }
        boolean anyPad = false;
        for (long p : pads) {
            anyPad |= p != 0;
        }
        return new Geometry(new long[] {1, 1, 1, 1}, new long[] {1, 1}, anyPad ? pads : null);
    }

    /** (Cout, Cin, kh, kw), dilation written out, rotated by 180°, as the transposed op's HWIO (kh, kw, Cout, Cin). */
    private static NDArray flippedFilterOf(NDManager m, NDArray w, Geometry geo) {
        NDArray w4 = dilate(m, as4d(m, w), geo);
        NDArray axes = m.create(new int[] {2, 3});
        NDArray rotated = TfRawOp.of(m, "ReverseV2").input(w4).input(axes).run();
        return transpose(m, rotated, TO_FLIPPED_HWIO);
    }

    /** (C·M, 1, kh, kw) with row c·M + m to TensorFlow's depthwise filter (kh, kw, C, M). */
    private static NDArray depthwiseFilter(NDManager m, NDArray w4, long channels) {
        Shape s = w4.getShape();
        NDArray split = reshape(m, w4, new Shape(channels, s.get(0) / channels, s.get(2), s.get(3)));
        return transpose(m, split, TO_DEPTHWISE);
    }

    /**
     * The kernel with its dilation written out as zeros between the taps. TensorFlow's CPU kernels for the input
     * gradient reject dilations above 1 ("Current libxsmm and customized CPU implementations do not yet support
     * dilation rates larger than 1") and the depthwise ones mishandle them, so every op runs at dilation 1 on an
     * equivalent, larger kernel (exact: the extra taps multiply by zero).
     */
    private static NDArray dilate(NDManager m, NDArray w4, Geometry geo) {
        long dh = geo.kernelDilation()[0];
        long dw = geo.kernelDilation()[1];
        if (dh == 1 && dw == 1) {
            return w4;
        }
        Shape s = w4.getShape();
        long o = s.get(0);
        long i = s.get(1);
        long kh = s.get(2);
        long kw = s.get(3);
        NDArray split = reshape(m, w4, new Shape(o, i, kh, 1, kw, 1));
        NDArray paddings = m.create(new long[] {0, 0, 0, 0, 0, 0, 0, dh - 1, 0, 0, 0, dw - 1}, new Shape(6, 2));
        NDArray spread = TfRawOp.of(m, "Pad").input(split).input(paddings).run();
        NDArray flat = reshape(m, spread, new Shape(o, i, kh * dh, kw * dw));
        NDArray begin = m.create(new long[] {0, 0, 0, 0});
        NDArray size = m.create(new long[] {o, i, (kh - 1) * dh + 1, (kw - 1) * dw + 1});
        return TfRawOp.of(m, "Slice").input(flat).input(begin).input(size).run();
    }

    /** A 1-D array (N, C, L) as (N, C, 1, L); 2-D arrays pass through. Works for kernels alike. */
    private static NDArray as4d(NDManager m, NDArray a) {
        Shape s = a.getShape();
        if (s.dimension() == 4) {
            return a;
        }
        return reshape(m, a, new Shape(s.get(0), s.get(1), 1, s.get(2)));
    }

    /** NHWC back to channels first; the last op writes into {@code out}, everything else stays in scratch. */
    private static NDArray toChannelsFirst(NDManager out, NDManager scratch, NDArray nhwc, int spatialRank) {
        if (spatialRank == 2) {
            return transpose(out, nhwc, TO_NCHW);
        }
        NDArray nchw = transpose(scratch, nhwc, TO_NCHW);
        Shape s = nchw.getShape();
        return reshape(out, nchw, new Shape(s.get(0), s.get(1), s.get(3)));
    }

    private static NDArray transpose(NDManager m, NDArray a, int[] perm) {
        return TfRawOp.of(m, "Transpose").input(a).input(TensorFlowConstants.ints(m, perm)).run();
    }

    private static NDArray reshape(NDManager m, NDArray a, Shape shape) {
        return TfRawOp.of(m, "Reshape").input(a).input(TensorFlowConstants.longs(m, shape.getShape())).run();
    }

    private static NDArray sizes(NDManager m, long n, long h, long w, long c) {
        return TensorFlowConstants.ints(m, Math.toIntExact(n), Math.toIntExact(h), Math.toIntExact(w),
                Math.toIntExact(c));
    }

    /**
     * A {@link ConvSpec} as the attributes of TensorFlow's NHWC convolution ops. 1-D specs get a height of 1; the
     * height stride then copies the width's, which changes nothing for a height-1 kernel without height padding
     * but satisfies the depthwise kernels' demand for equal strides. Dilation is not an op attribute here: it is
     * written into the kernel ({@link #kernelDilation}).
     */
    record Geometry(long[] strides, long[] kernelDilation, long[] explicitPaddings) {

        static Geometry of(ConvSpec spec) {
            int[] st = spec.strides();
            int[] di = spec.dilations();
            int[] pb = spec.padBegin();
            int[] pe = spec.padEnd();
            boolean oneD = spec.spatialRank() == 1;
            long sw = st[oneD ? 0 : 1];
            long[] pads = oneD
                    ? new long[] {0, 0, 0, 0, pb[0], pe[0], 0, 0}
                    : new long[] {0, 0, pb[0], pe[0], pb[1], pe[1], 0, 0};
            boolean anyPad = false;
            for (long p : pads) {
                anyPad |= p != 0;
            }
            long[] dilation = oneD ? new long[] {1, di[0]} : new long[] {di[0], di[1]};
            return new Geometry(new long[] {1, st[0], sw, 1}, dilation, anyPad ? pads : null);
        }

        /** TensorFlow's depthwise CPU kernels need equal strides for height and width. */
        boolean depthwiseSupported() {
            return strides[1] == strides[2];
        }

        TfRawOp apply(TfRawOp op) {
            op.attr("strides", strides).attr("data_format", "NHWC");
            if (explicitPaddings == null) {
                return op.attr("padding", "VALID");
            }
            return op.attr("padding", "EXPLICIT").attr("explicit_paddings", explicitPaddings);
        }
    }
}
