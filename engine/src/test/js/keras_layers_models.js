// Keras-layer test models made by TensorFlow.js itself, with their logits and tf.grad gradients as references.
//
//   mkdir -p /tmp/tfjs && (cd /tmp/tfjs && npm install @tensorflow/tfjs@4.22.0)
//   NODE_PATH=/tmp/tfjs/node_modules node engine/src/test/js/keras_layers_models.js
//
// Writes engine/src/test/resources/keras_layers/<model>/: model/model.json + model/weights.bin (tfjs layers
// format, as model.save writes them), input_<k>.npy (NHWC, uniform [-s, s) from a seeded mulberry32, s = 1 or the
// model's inputScale),
// input_<k>.logits.npy and input_<k>.gradient.npy (d logit[target] / d input by tf.grad, float32, cpu backend),
// and manifest.json. Weights are drawn from a seeded mulberry32 generator and set with setWeights, so every run
// writes the same files. Node's own modules only; nothing is downloaded at test time.
const fs = require('fs');
const path = require('path');
const tf = require('@tensorflow/tfjs');

const OUT = path.join(__dirname, '..', 'resources', 'keras_layers');

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function npy(file, data, shape) {
  const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  let header = dict;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const head = Buffer.alloc(10);
  head.write('\x93NUMPY', 0, 'latin1');
  head[6] = 1;
  head[7] = 0;
  head.writeUInt16LE(header.length, 8);
  const body = Buffer.from(new Float32Array(data).buffer);
  fs.writeFileSync(file, Buffer.concat([head, Buffer.from(header, 'latin1'), body]));
}

/** Kernels U(±sqrt(3/fan_in)), biases U(±0.1), scales U(0.5, 1.5), offsets and means U(±0.2), variances U(0.5, 1.5). */
function seededWeights(model, seed) {
  const rand = mulberry32(seed);
  const u = (lo, hi) => lo + (hi - lo) * rand();
  const values = model.weights.map((w) => {
    const shape = w.shape;
    const n = shape.reduce((a, b) => a * b, 1);
    const name = w.originalName || w.name;
    let draw;
    if (/gamma|moving_variance/.test(name)) {
      draw = () => u(0.5, 1.5);
    } else if (/beta|moving_mean/.test(name)) {
      draw = () => u(-0.2, 0.2);
    } else if (/bias/.test(name)) {
      draw = () => u(-0.1, 0.1);
    } else {
      const fanIn = shape.length > 1 ? n / shape[shape.length - 1] : n;
      const a = Math.sqrt(3 / Math.max(1, /depthwise/.test(name) ? shape[0] * shape[1] : fanIn));
      draw = () => u(-a, a);
    }
    const v = new Float32Array(n);
    for (let i = 0; i < n; i++) v[i] = draw();
    return tf.tensor(v, shape);
  });
  model.setWeights(values);
}

async function save(model, dir) {
  fs.mkdirSync(dir, { recursive: true });
  await model.save(tf.io.withSaveHandler(async (artifacts) => {
    const parts = Array.isArray(artifacts.weightData) ? artifacts.weightData : [artifacts.weightData];
    fs.writeFileSync(path.join(dir, 'weights.bin'), Buffer.concat(parts.map((p) => Buffer.from(p))));
    const json = {
      format: 'layers-model',
      generatedBy: artifacts.generatedBy,
      convertedBy: null,
      modelTopology: artifacts.modelTopology,
      weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
    };
    fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(json, null, 1));
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
}

const MODELS = {
  // DepthwiseConv2D (multiplier 2, same, relu), SeparableConv2D (valid, stride 2, relu), a bias-free strided
  // DepthwiseConv2D with same padding, then global pooling and a Dense head.
  dwsep: () => {
    const input = tf.input({ shape: [12, 12, 3], name: 'input' });
    let x = tf.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'same', activation: 'relu',
      name: 'dw_1' }).apply(input);
    x = tf.layers.separableConv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'valid', activation: 'relu',
      name: 'sep_1' }).apply(x);
    x = tf.layers.depthwiseConv2d({ kernelSize: 3, strides: 2, padding: 'same', useBias: false, name: 'dw_2' })
      .apply(x);
    x = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(x);
    const out = tf.layers.dense({ units: 4, name: 'logits' }).apply(x);
    return { model: tf.model({ inputs: input, outputs: out, name: 'dwsep' }), seed: 31 };
  },
  // MobileNet / EfficientNet pieces: Conv2D + BatchNorm + ReLU(max_value=6), a DepthwiseConv2D with 'relu6', a
  // squeeze-excitation block (GlobalAveragePooling2D, Dense relu, Dense sigmoid, Reshape to (1, 1, C), Multiply),
  // LayerNormalization over the channels, a 1x1 Conv2D with 'swish', then global pooling and a Dense head.
  mobile_se: () => {
    const input = tf.input({ shape: [10, 10, 3], name: 'input' });
    let x = tf.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', name: 'stem' }).apply(input);
    x = tf.layers.batchNormalization({ name: 'stem_bn' }).apply(x);
    x = tf.layers.reLU({ maxValue: 6, name: 'stem_relu6' }).apply(x);
    x = tf.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', activation: 'relu6', name: 'dw' }).apply(x);
    let s = tf.layers.globalAveragePooling2d({ name: 'se_squeeze' }).apply(x);
    s = tf.layers.dense({ units: 4, activation: 'relu', name: 'se_reduce' }).apply(s);
    s = tf.layers.dense({ units: 8, activation: 'sigmoid', name: 'se_expand' }).apply(s);
    s = tf.layers.reshape({ targetShape: [1, 1, 8], name: 'se_reshape' }).apply(s);
    x = tf.layers.multiply({ name: 'se_excite' }).apply([x, s]);
    x = tf.layers.layerNormalization({ name: 'ln' }).apply(x);
    x = tf.layers.conv2d({ filters: 6, kernelSize: 1, activation: 'swish', name: 'project' }).apply(x);
    x = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(x);
    const out = tf.layers.dense({ units: 5, name: 'logits' }).apply(x);
    return { model: tf.model({ inputs: input, outputs: out, name: 'mobile_se' }), seed: 47 };
  },
  // Transformer-MLP pieces on feature vectors: LayerNormalization (two epsilons), gelu, gelu_new,
  // swish as an Activation layer, and a product of two computed tensors without a gate.
  ln_mlp: () => {
    const input = tf.input({ shape: [24], name: 'input' });
    let x = tf.layers.dense({ units: 16, name: 'fc_1' }).apply(input);
    x = tf.layers.layerNormalization({ name: 'ln_1' }).apply(x);
    const a = tf.layers.activation({ activation: 'gelu', name: 'gelu' }).apply(x);
    const c = tf.layers.dense({ units: 16, activation: 'gelu_new', name: 'fc_gate' }).apply(x);
    x = tf.layers.multiply({ name: 'product' }).apply([a, c]);
    x = tf.layers.dense({ units: 12, name: 'fc_2' }).apply(x);
    x = tf.layers.activation({ activation: 'swish', name: 'swish' }).apply(x);
    // (center: false or scale: false break tf.grad in tfjs 4.22: "Cannot read properties of undefined")
    x = tf.layers.layerNormalization({ epsilon: 1e-5, name: 'ln_2' }).apply(x);
    const out = tf.layers.dense({ units: 3, name: 'logits' }).apply(x);
    return { model: tf.model({ inputs: input, outputs: out, name: 'ln_mlp' }), seed: 53 };
  },
  // Only element-wise non-linearities (ReLU6 as an activation and as ReLU(max_value=6)) around linear layers and a
  // residual Add: DeepLIFT's map sums exactly to f_c(x) − f_c(0) here. Inputs in [-8, 8) so that the clips saturate.
  relu6_res: () => {
    const input = tf.input({ shape: [8, 8, 2], name: 'input' });
    const a = tf.layers.conv2d({ filters: 6, kernelSize: 3, padding: 'same', activation: 'relu6', name: 'conv_1' })
      .apply(input);
    let x = tf.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', name: 'dw' }).apply(a);
    x = tf.layers.reLU({ maxValue: 6, name: 'dw_relu6' }).apply(x);
    x = tf.layers.add({ name: 'residual' }).apply([a, x]);
    x = tf.layers.conv2d({ filters: 4, kernelSize: 1, name: 'project' }).apply(x);
    x = tf.layers.batchNormalization({ name: 'project_bn' }).apply(x);
    x = tf.layers.activation({ activation: 'relu6', name: 'project_relu6' }).apply(x);
    x = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(x);
    const out = tf.layers.dense({ units: 3, name: 'logits' }).apply(x);
    return { model: tf.model({ inputs: input, outputs: out, name: 'relu6_res' }), seed: 59, inputScale: 8 };
  },
};

async function main() {
  await tf.setBackend('cpu');
  const only = process.argv.slice(2);
  for (const [name, build] of Object.entries(MODELS)) {
    if (only.length && !only.includes(name)) continue;
    const { model, seed, inputScale = 1 } = build();
    seededWeights(model, seed);
    const dir = path.join(OUT, name);
    await save(model, path.join(dir, 'model'));
    const shape = model.inputs[0].shape.slice(1);
    const size = shape.reduce((a, b) => a * b, 1);
    const rand = mulberry32(seed + 1000);
    const entries = [];
    for (let k = 0; k < 3; k++) {
      const data = new Float32Array(size);
      for (let i = 0; i < size; i++) data[i] = inputScale * (2 * rand() - 1);
      const x = tf.tensor(data, [1, ...shape]);
      const logits = model.apply(x);
      const target = logits.argMax(1).dataSync()[0];
      const grad = tf.grad((v) => model.apply(v).gather([target], 1).sum())(x);
      npy(path.join(dir, `input_${k}.npy`), data, [1, ...shape]);
      npy(path.join(dir, `input_${k}.logits.npy`), logits.dataSync(), logits.shape);
      npy(path.join(dir, `input_${k}.gradient.npy`), grad.dataSync(), grad.shape);
      entries.push({ input: `input_${k}.npy`, target, logits: `input_${k}.logits.npy`,
        gradient: `input_${k}.gradient.npy` });
    }
    fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify({
      produced_by: `@tensorflow/tfjs ${tf.version.tfjs}, cpu backend, float32; gradient = tf.grad of logit[target]`,
      model: 'model/model.json', layout: 'NHWC', weight_seed: seed,
      layers: model.layers.map((l) => `${l.getClassName()}:${l.name}`), entries,
    }, null, 1));
    console.log(name, entries.map((e) => e.target));
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
