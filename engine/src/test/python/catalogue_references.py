"""Reference maps for the catalogue methods SignStream added last: deeplift*, guided_grad_cam* and random_uniform.

Run from the repository root with Debian's torch 1.13 and the vendored Captum 0.6.0:

    PYTHONPATH=../shared/bench/vendor /usr/bin/python3 engine/src/test/python/catalogue_references.py

It writes engine/src/test/resources/catalogue/ (small float32 .npy files and manifest.json). Everything is
computed in float64 by code that shares nothing with the engine:

- deeplift*: Captum's DeepLift (Rescale rule, zero baseline, multiply_by_inputs=True, target = the logit, seed 1)
  on eager float64 rebuilds of
  the fixture models (weights from their TorchScript files) and on act_cnn, a small model made here with Tanh,
  LeakyReLU, Sigmoid, BatchNorm and max pooling, exported here to ONNX and TorchScript. In all these models every max
  pool follows an activation module, and then Captum's hook on that activation reads the pool's plain gradient
  (its own max-pool multiplier only matters where the activation's Δin is 0, where it equals the gradient too), so
  the pool is crossed by its gradient, as the deeplift package's default MaxPoolDeepLiftMode.gradient does. Captum's
  max-pool rule proper (a pool fed by a linear layer) is not exercised. The _x_* variants multiply
  Captum's map by x, sign(x) (sign(0)=+1) or |x| afterwards (METHODS.md §1).
- guided_grad_cam: METHODS.md §2.3 written out with torch autograd: guided backprop of the sum of the layer's
  activations (a custom autograd ReLU) times the Grad-CAM map (class gradient, channel weights = spatial mean,
  ReLU, / (max + 1e-7), bilinear upsampling with half-pixel centres), broadcast over the channels.
- random_uniform: numpy itself (np.random.seed(1); np.random.uniform(-1, 1, size)).
"""
import json
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def _captum_without_matplotlib():
    """Captum imports matplotlib for its plotting helpers only, which this script never calls; when the machine has
    no matplotlib (Debian's torch does not pull it in), its imports get empty stand-ins."""
    try:
        import matplotlib  # noqa: F401
        return
    except ImportError:
        pass
    import importlib.abc
    import importlib.machinery
    import types

    class Stub(types.ModuleType):
        __path__ = []

        def __getattr__(self, attr):
            return type(attr, (), {})

    class Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
        def find_spec(self, name, path, target=None):
            if name.split('.')[0] in ('matplotlib', 'mpl_toolkits'):
                return importlib.machinery.ModuleSpec(name, self, is_package=True)
            return None

        def create_module(self, spec):
            return Stub(spec.name)

        def exec_module(self, module):
            pass

    sys.meta_path.insert(0, Finder())


_captum_without_matplotlib()
from captum.attr import DeepLift  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', 'resources'))
FIXTURES = os.path.join(ROOT, 'fixtures')
OUT = os.path.join(ROOT, 'catalogue')

DEEPLIFT_NAMES = ['deeplift', 'deeplift_method', 'deeplift_x_input', 'deeplift_x_input_x_sign', 'deeplift_x_sign']


def sign1(x):
    return np.where(x >= 0, 1.0, -1.0)


def modified(name, base, x):
    """The post-hoc factor of a legacy name (METHODS.md §2.4)."""
    if name.endswith('_x_input_x_sign'):
        return base * x * sign1(x)
    if name.endswith('_x_input'):
        return base * x
    if name.endswith('_x_sign'):
        return base * sign1(x)
    return base


def fixture_model(name):
    """The fixture architectures (fixtures/manifest.json → architecture) as eager float64 modules."""
    if name == 'mlp':
        model = Mlp(nn.Sequential(nn.Linear(20, 32), nn.ReLU(), nn.Linear(32, 16), nn.ReLU(), nn.Linear(16, 3)))
    elif name == 'digits_cnn':
        model = Features(
            nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(8, 16, 3, padding=1),
                          nn.ReLU(), nn.MaxPool2d(2)),
            nn.Sequential(nn.Flatten(), nn.Linear(256, 64), nn.ReLU(), nn.Linear(64, 10)))
    elif name == 'small_vgg':
        model = Features(
            nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(), nn.Conv2d(16, 16, 3, padding=1), nn.ReLU(),
                          nn.MaxPool2d(2), nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(),
                          nn.Conv2d(32, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2)),
            nn.Sequential(nn.Flatten(), nn.Linear(2048, 64), nn.ReLU(), nn.Dropout(0.5), nn.Linear(64, 10)))
    elif name == 'ts_cnn':
        model = Features(
            nn.Sequential(nn.Conv1d(2, 8, 7, padding=3), nn.ReLU(), nn.MaxPool1d(2), nn.Conv1d(8, 16, 5, padding=2),
                          nn.ReLU(), nn.MaxPool1d(2)),
            nn.Sequential(nn.Flatten(), nn.Linear(1024, 32), nn.ReLU(), nn.Linear(32, 3)))
    else:
        raise ValueError(name)
    scripted = torch.jit.load(os.path.join(FIXTURES, name, name + '.pt'))
    model.load_state_dict(scripted.state_dict())
    return model.double().eval()


class Mlp(nn.Module):
    def __init__(self, layers):
        super().__init__()
        self.layers = layers

    def forward(self, x):
        return self.layers(x)


class Features(nn.Module):
    def __init__(self, features, classifier):
        super().__init__()
        self.features = features
        self.classifier = classifier

    def forward(self, x):
        return self.classifier(self.features(x))


class ActCnn(nn.Module):
    """Non-ReLU activations for the Rescale rule: Tanh, LeakyReLU, Sigmoid, plus BatchNorm and max pooling."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(2, 4, 3, padding=1), nn.BatchNorm2d(4), nn.Tanh(), nn.MaxPool2d(2),
                                      nn.Conv2d(4, 6, 3, padding=1), nn.LeakyReLU(0.1))
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(96, 8), nn.Sigmoid(), nn.Linear(8, 3))

    def forward(self, x):
        return self.classifier(self.features(x))


def build_act_cnn():
    """act_cnn: seeded weights, random BatchNorm statistics, exported by torch to ONNX (opset 13) and TorchScript."""
    torch.manual_seed(7)
    model = ActCnn()
    bn = model.features[1]
    with torch.no_grad():
        bn.running_mean.uniform_(-0.3, 0.3)
        bn.running_var.uniform_(0.5, 2.0)
        bn.weight.uniform_(0.5, 1.5)
        bn.bias.uniform_(-0.2, 0.2)
        for p in model.parameters():
            if p.dim() > 1:
                p.mul_(2.0)  # larger pre-activations: the secants differ clearly from the gradients
    model.eval()
    folder = os.path.join(OUT, 'act_cnn')
    os.makedirs(folder, exist_ok=True)
    example = torch.zeros(1, 2, 8, 8)
    torch.jit.save(torch.jit.trace(model, example), os.path.join(folder, 'act_cnn.pt'))
    torch.onnx.export(model, example, os.path.join(folder, 'act_cnn.onnx'), opset_version=13,
                      input_names=['input'], output_names=['logits'],
                      dynamic_axes={'input': {0: 'batch'}, 'logits': {0: 'batch'}})
    gen = torch.Generator().manual_seed(11)
    inputs = {}
    for k in range(3):
        x = torch.randn(1, 2, 8, 8, generator=gen)
        inputs['x%d' % k] = x.numpy().astype(np.float32)
        os.makedirs(os.path.join(folder, 'x%d' % k), exist_ok=True)
        np.save(os.path.join(folder, 'x%d' % k, 'input.npy'), inputs['x%d' % k])
        with torch.no_grad():
            logits = model(torch.from_numpy(inputs['x%d' % k])).numpy()
        np.save(os.path.join(folder, 'x%d' % k, 'logits.npy'), logits.astype(np.float32))
    return model.double(), inputs


def fixture_inputs(name):
    manifest = json.load(open(os.path.join(FIXTURES, 'manifest.json')))
    return {i['id']: (np.load(os.path.join(FIXTURES, i['input'])), i['target'])
            for i in manifest['models'][name]['inputs']}


def deeplift_map(model, x, target):
    xt = torch.from_numpy(x.astype(np.float64))
    attr = DeepLift(model, eps=1e-10).attribute(xt, baselines=torch.zeros_like(xt), target=target)
    # Without max pooling the Rescale rule's map sums to f_c(x) − f_c(0) (summation-to-delta): a check of the run.
    # Captum's max-pool rule loses the part routed to the reference's arg-max where x equals the reference (it
    # falls back to the gradient there), so the sum is only recorded for those models.
    with torch.no_grad():
        delta = (model(xt)[0, target] - model(torch.zeros_like(xt))[0, target]).item()
    has_max_pool = any(isinstance(m, (nn.MaxPool1d, nn.MaxPool2d)) for m in model.modules())
    if not has_max_pool:
        assert abs(attr.sum().item() - delta) < 1e-8 * max(1.0, abs(delta)), (attr.sum().item(), delta)
    return attr.detach().numpy(), {'sum': attr.sum().item(), 'logit_delta': delta}


class GuidedRelu(torch.autograd.Function):
    """ReLU whose backward is 1[dy > 0]·1[x > 0]·dy (METHODS.md §2.3, guided_grad_cam)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.clamp(min=0)

    @staticmethod
    def backward(ctx, dy):
        x, = ctx.saved_tensors
        return dy.clamp(min=0) * (x > 0).to(dy.dtype)


def run_features(model, x, layer_index, guided):
    """Runs model.features up to and including layer_index; returns (layer output, logits or None)."""
    h = x
    out = None
    for i, module in enumerate(model.features):
        h = GuidedRelu.apply(h) if guided and isinstance(module, nn.ReLU) else module(h)
        if i == layer_index:
            out = h
            if guided:
                return out, None
    return out, model.classifier(h)


def guided_grad_cam_map(model, x, target, layer_index):
    xt = torch.from_numpy(x.astype(np.float64)).requires_grad_(True)
    # GBP_L = d(sum A_L)/dx through guided ReLUs: not class-specific
    a_guided, _ = run_features(model, xt, layer_index, guided=True)
    gbp, = torch.autograd.grad(a_guided.sum(), xt)
    # CAM_L: class-logit gradient at A_L, weights = spatial mean, ReLU, / (max + 1e-7), bilinear to H×W
    a, logits = run_features(model, xt, layer_index, guided=False)
    g, = torch.autograd.grad(logits[0, target], a)
    weights = g.mean(dim=(2, 3), keepdim=True)
    cam = torch.relu((weights * a).sum(dim=1, keepdim=True))
    cam = cam / (cam.max() + 1e-7)
    cam = F.interpolate(cam, size=x.shape[2:], mode='bilinear', align_corners=False)
    return (gbp * cam).detach().numpy()


def random_uniform_channels_first(shape):
    """METHODS.md random_uniform for a channels-first batch of one: np.random.seed(1), U(-1, 1) over the axes after
    the channel axis (all features of a vector), the same values in every channel."""
    np.random.seed(1)
    if len(shape) == 2:
        return np.random.uniform(-1, 1, shape[1:]).reshape(shape)
    values = np.random.uniform(-1, 1, shape[2:])
    return np.broadcast_to(values, shape).copy()


def write_numpy_stream():
    """numpy's own draws, for the bit-for-bit test of the Java MT19937: np.random.uniform(-1, 1) after
    np.random.seed(s), 1000 values per seed (past the first two regenerations of the 624-word state), as exact
    decimal strings (repr round-trips a double), and the channels-last map of the TF.js CNN fixture (16x16x1)."""
    stream = {}
    for seed in [1, 0, 12345, 4294967295]:
        np.random.seed(seed)
        stream[str(seed)] = [repr(float(v)) for v in np.random.uniform(-1, 1, 1000)]
    np.random.seed(1)
    tf_map = np.repeat(np.random.uniform(-1, 1, (16, 16))[:, :, None], 1, axis=2)[None]
    np.save(os.path.join(OUT, 'random_uniform_tf_cnn.npy'), tf_map.astype(np.float32))
    json.dump({'numpy': np.__version__, 'call': 'np.random.seed(seed); np.random.uniform(-1, 1, 1000)',
               'draws': stream}, open(os.path.join(OUT, 'numpy_uniform_stream.json'), 'w'), indent=0)


def save(entries, model, xid, method, array, target, params=None, extra=None):
    folder = os.path.join(OUT, model, xid)
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, method + '.npy')
    np.save(path, array.astype(np.float32))
    entry = {'model': model, 'input': xid, 'method': method, 'file': os.path.relpath(path, OUT), 'target': target,
             'params': params or {}}
    entry.update(extra or {})
    entries.append(entry)


def main():
    entries = []
    models = {}
    act_model, act_inputs = build_act_cnn()
    models['act_cnn'] = (act_model, None)
    act_targets = {}
    with torch.no_grad():
        for xid, x in act_inputs.items():
            act_targets[xid] = int(act_model(torch.from_numpy(x).double()).argmax())
    for name in ['mlp', 'digits_cnn', 'small_vgg', 'ts_cnn', 'act_cnn']:
        if name == 'act_cnn':
            model = act_model
            inputs = {xid: (x, act_targets[xid]) for xid, x in act_inputs.items()}
        else:
            model = fixture_model(name)
            inputs = fixture_inputs(name)
            for xid, (x, _) in inputs.items():  # the rebuild computes what the fixture computes
                expected = np.load(os.path.join(FIXTURES, name, xid, 'logits.npy'))
                with torch.no_grad():
                    got = model(torch.from_numpy(x).double()).numpy()
                assert np.abs(got - expected).max() < 1e-4, (name, xid)
        for xid, (x, target) in sorted(inputs.items()):
            base, sums = deeplift_map(model, x, target)
            for method in DEEPLIFT_NAMES:
                save(entries, name, xid, method, modified(method, base, x.astype(np.float64)), target,
                     extra={'deeplift_sum': sums} if method == 'deeplift' else None)
            if name in ('digits_cnn', 'small_vgg'):
                layer = {'digits_cnn': 4, 'small_vgg': 8}[name]
                ggc = guided_grad_cam_map(model, x, target, layer)
                for method in ['guided_grad_cam_MNISTCNN', 'guided_grad_cam_VGG16ILSVRC',
                               'guided_grad_cam_VGG16MITPL365', 'guided_grad_cam']:
                    save(entries, name, xid, method, ggc, target, {'layer_name': 'features.%d' % layer})
    for name in ['mlp', 'digits_cnn', 'small_vgg', 'ts_cnn', 'act_cnn']:
        x = (act_inputs['x0'] if name == 'act_cnn' else fixture_inputs(name)['x0'][0])
        target = act_targets['x0'] if name == 'act_cnn' else fixture_inputs(name)['x0'][1]
        save(entries, name, 'x0', 'random_uniform', random_uniform_channels_first(x.shape), target)
    write_numpy_stream()
    json.dump({'generated_by': 'engine/src/test/python/catalogue_references.py', 'torch': torch.__version__,
               'numpy': np.__version__, 'references': entries}, open(os.path.join(OUT, 'manifest.json'), 'w'),
              indent=1)
    print(len(entries), 'references in', OUT)


if __name__ == '__main__':
    sys.exit(main())
