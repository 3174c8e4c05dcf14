#!/usr/bin/python3
"""Builds the production-architecture test models and their float64 references (issue 10).

Run from the repository root with Debian's torch (no download, nothing at test time):

    /usr/bin/python3 engine/src/test/python/make_architectures.py

For each architecture it writes, under engine/src/test/resources/architectures/<name>/:

  model.onnx          torch.onnx.export of the float32 model (opset in manifest.json)
  model.pt            torch.jit.trace of the same float32 model
  input.npy           one input sample, (1, 3, H, W) float32
  logits.npy          float64 logits of that input (stored as float64)
  <method>.npy        float64 torch-autograd references of the gradient family, stored as float32
  model_dynamic_batch.onnx  (vit) the ONNX export with a dynamic batch axis
  batch_*.npy         (vit) a batch of two samples, the first being input.npy: input, float64 logits and the gradient
                      of each sample's own arg-max logit

and manifest.json with the target class, the opset, the Grad-CAM layer and the kink margins.

The models are torchvision's own classes at reduced width (so every file stays well under 2 MB), with random
weights (seeded) and non-trivial BatchNorm running statistics, in eval mode. The input of each model is the one of
CANDIDATES seeded normal draws whose forward pass (and whose integrated-gradients path points) keeps the largest
distance from every kink: ReLU/ReLU6/Hardswish/Hardsigmoid break points and the top-two gap of every max-pool
window, so that float32 and float64 take the same branch everywhere (the fixtures README's tie rule).

Methods (METHODS.md conventions, seed onehot(c) with c the float64 arg-max):
  gradient                  G = d f_c / d x
  gradient_x_input          G * x
  gradient_x_sign           G * s1(x), s1(0) = +1
  integrated_gradients      x * mean_{i=0..49} G(i/49 * x)
  grad_cam                  (models with a convolution before the head) relu(sum_k w_k A_k) / (max + 1e-7), bilinear
                            (align_corners=False) to H x W, A = the first activation after the last convolution.
"""
import json
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision
from torchvision.models import convnext, efficientnet, mobilenetv3, resnet, squeezenet

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "resources", "architectures")
CANDIDATES = 24
IG_STEPS = 50


class SmallResNet18(resnet.ResNet):
    """torchvision's ResNet-18 (BasicBlock, [2, 2, 2, 2], same module names) at 1/8 of the width."""

    def __init__(self, num_classes=10, widths=(8, 16, 32, 64)):
        nn.Module.__init__(self)
        self._norm_layer = nn.BatchNorm2d
        self.inplanes = widths[0]
        self.dilation = 1
        self.groups = 1
        self.base_width = 64
        self.conv1 = nn.Conv2d(3, self.inplanes, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(self.inplanes)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_layer(resnet.BasicBlock, widths[0], 2)
        self.layer2 = self._make_layer(resnet.BasicBlock, widths[1], 2, stride=2)
        self.layer3 = self._make_layer(resnet.BasicBlock, widths[2], 2, stride=2)
        self.layer4 = self._make_layer(resnet.BasicBlock, widths[3], 2, stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(widths[3], num_classes)


def small_squeezenet(num_classes=10):
    """torchvision's SqueezeNet 1.1 (ceil_mode max-pools, Fire modules) at 1/4 of the width."""
    model = squeezenet.SqueezeNet("1_1", num_classes=num_classes)
    Fire = squeezenet.Fire
    model.features = nn.Sequential(
        nn.Conv2d(3, 16, kernel_size=3, stride=2), nn.ReLU(inplace=True),
        nn.MaxPool2d(kernel_size=3, stride=2, ceil_mode=True),
        Fire(16, 4, 16, 16), Fire(32, 4, 16, 16),
        nn.MaxPool2d(kernel_size=3, stride=2, ceil_mode=True),
        Fire(32, 8, 32, 32), Fire(64, 8, 32, 32),
        nn.MaxPool2d(kernel_size=3, stride=2, ceil_mode=True),
        Fire(64, 12, 48, 48), Fire(96, 12, 48, 48), Fire(96, 16, 64, 64), Fire(128, 16, 64, 64))
    final_conv = nn.Conv2d(128, num_classes, kernel_size=1)
    model.classifier = nn.Sequential(nn.Dropout(p=0.5), final_conv, nn.ReLU(inplace=True),
                                     nn.AdaptiveAvgPool2d((1, 1)))
    return model


def build(name):
    """(model, input H=W, opset, grad_cam module or None)."""
    if name == "resnet18":
        m = SmallResNet18()
        return m, 64, 13, "layer4"
    if name == "densenet":
        m = torchvision.models.DenseNet(growth_rate=8, block_config=(2, 2, 2), num_init_features=16, bn_size=2,
                                        num_classes=10)
        return m, 64, 13, "final_relu"
    if name == "mobilenet_v2":
        setting = [[1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 2, 2], [6, 64, 2, 2], [6, 96, 1, 1]]
        m = torchvision.models.MobileNetV2(num_classes=10, width_mult=0.25, inverted_residual_setting=setting)
        return m, 64, 13, "features"
    if name == "mobilenet_v3_small":
        setting, _ = mobilenetv3._mobilenet_v3_conf("mobilenet_v3_small", width_mult=0.25)
        m = mobilenetv3.MobileNetV3(setting, last_channel=128, num_classes=10)
        return m, 64, 14, "features"
    if name == "efficientnet_b0":
        setting, last = efficientnet._efficientnet_conf("efficientnet_b0", width_mult=0.25, depth_mult=0.25)
        m = efficientnet.EfficientNet(setting, dropout=0.2, num_classes=10, last_channel=last)
        return m, 64, 13, "features"
    if name == "squeezenet1_1":
        return small_squeezenet(), 64, 13, "classifier.2"
    if name == "convnext":
        setting = [convnext.CNBlockConfig(16, 32, 1), convnext.CNBlockConfig(32, None, 1)]
        m = convnext.ConvNeXt(setting, layer_scale=0.5, num_classes=10)
        return m, 64, 13, None
    if name == "vit":
        m = torchvision.models.VisionTransformer(image_size=32, patch_size=8, num_layers=2, num_heads=2,
                                                 hidden_dim=64, mlp_dim=128, num_classes=10)
        return m, 32, 14, None
    raise ValueError(name)


# models whose export moves the batch axis (sequence-first attention): references for a batch of two samples too
BATCH_OF_TWO = {"vit"}

ARCHITECTURES = ["resnet18", "densenet", "mobilenet_v2", "mobilenet_v3_small", "efficientnet_b0", "squeezenet1_1",
                 "convnext", "vit"]


def randomise(model, seed):
    """Random weights (torchvision's own init, seeded) plus random BatchNorm statistics and affine parameters."""
    g = torch.Generator().manual_seed(seed + 1000)
    with torch.no_grad():
        for mod in model.modules():
            if isinstance(mod, nn.BatchNorm2d):
                c = mod.num_features
                mod.running_mean.copy_(torch.randn(c, generator=g) * 0.2)
                mod.running_var.copy_(torch.rand(c, generator=g) + 0.5)
                mod.weight.copy_(torch.rand(c, generator=g) + 0.5)
                mod.bias.copy_(torch.randn(c, generator=g) * 0.2)
            elif isinstance(mod, nn.LayerNorm):
                c = mod.normalized_shape[0]
                mod.weight.copy_(torch.rand(c, generator=g) + 0.5)
                mod.bias.copy_(torch.randn(c, generator=g) * 0.2)
        for name, p in model.named_parameters():
            # ViT's class token and position embedding start at zero/small: make them matter
            if name in ("class_token",) or name.endswith("pos_embedding"):
                p.copy_(torch.randn(p.shape, generator=g) * 0.5)
            if name.endswith("layer_scale"):
                p.copy_(torch.rand(p.shape, generator=g) * 0.5 + 0.5)
            # torchvision's ViT zero-initialises its classification head (heads.head.weight): every gradient of
            # the random-weight model would be exactly zero and the logits would be the bias alone
            if p.dim() >= 2 and torch.count_nonzero(p) == 0:
                p.copy_(torch.randn(p.shape, generator=g) / p.shape[1] ** 0.5)
            if name.endswith(".bias") and p.dim() == 1 and torch.count_nonzero(p) == 0:
                p.copy_(torch.randn(p.shape, generator=g) * 0.05)
    model.eval()
    return model


class KinkMonitor:
    """Forward hooks that record how close each kink input comes to its break point (the margin)."""

    def __init__(self, model):
        self.margin = float("inf")
        self.handles = []
        for mod in model.modules():
            if isinstance(mod, (nn.ReLU, nn.ReLU6, nn.Hardswish, nn.Hardsigmoid, nn.MaxPool2d)):
                self.handles.append(mod.register_forward_pre_hook(self.hook))
        self.functional_relu = F.relu

    def hook(self, mod, inputs):
        x = inputs[0].detach().double()
        if isinstance(mod, nn.ReLU):
            m = x.abs().min()
        elif isinstance(mod, nn.ReLU6):
            m = torch.minimum(x.abs(), (x - 6).abs()).min()
        elif isinstance(mod, (nn.Hardswish, nn.Hardsigmoid)):
            m = torch.minimum((x + 3).abs(), (x - 3).abs()).min()
        else:
            k, s, p = mod.kernel_size, mod.stride, mod.padding
            xp = F.pad(x, (p, p, p, p), value=-1e9) if p else x
            if mod.ceil_mode:
                xp = F.pad(xp, (0, s, 0, s), value=-1e9)
            u = F.unfold(xp.reshape(-1, 1, *xp.shape[-2:]), k, stride=s)
            top = torch.topk(u, 2, dim=1).values
            # a window of post-ReLU zeros ties exactly in every precision, and the ReLU behind it passes no
            # gradient to any of them: only windows with a positive maximum can change the result
            live = top[:, 0] > 0
            m = (top[:, 0] - top[:, 1])[live].min() if live.any() else torch.tensor(float("inf"))
        self.margin = min(self.margin, float(m))

    def close(self):
        for h in self.handles:
            h.remove()


def functional_relu_margin(model, x):
    """DenseNet's final ReLU is functional (F.relu): measure its input directly."""
    if isinstance(model, torchvision.models.DenseNet):
        return float(model.features(x).abs().min())
    return float("inf")


def path_points(x):
    return [x * (i / (IG_STEPS - 1)) for i in range(IG_STEPS)]


def choose_input(model64, size, seed):
    best = None
    for k in range(CANDIDATES):
        g = torch.Generator().manual_seed(seed * 100 + k)
        x = torch.randn(1, 3, size, size, generator=g, dtype=torch.float64)
        monitor = KinkMonitor(model64)
        with torch.no_grad():
            logits = model64(x)[0]
            margin = min(monitor.margin, functional_relu_margin(model64, x))
            path_margin = margin
            for pt in path_points(x)[1:-1]:
                model64(pt)
                path_margin = min(path_margin, functional_relu_margin(model64, pt))
        path_margin = min(path_margin, monitor.margin)
        monitor.close()
        top = torch.topk(logits, 2).values
        gap = float(top[0] - top[1])
        score = (min(margin, gap), path_margin)
        if best is None or score > best[0]:
            best = (score, margin, path_margin, gap, x)
    return best


def grad(model64, x, target):
    x = x.clone().requires_grad_(True)
    out = model64(x)
    (g,) = torch.autograd.grad(out[0, target], x)
    return g


def grad_cam(model64, x, target, layer):
    """Captum LayerGradCam convention on the given module's output (functional final ReLU for DenseNet)."""
    store = {}
    if layer == "final_relu":
        def forward(inp):
            a = F.relu(model64.features(inp))
            a.retain_grad()
            store["a"] = a
            out = F.adaptive_avg_pool2d(a, (1, 1))
            return model64.classifier(torch.flatten(out, 1))
        out = forward(x)
    else:
        mod = dict(model64.named_modules())[layer]

        def hook(m, i, o):
            o.retain_grad()
            store["a"] = o
        h = mod.register_forward_hook(hook)
        out = model64(x)
        h.remove()
    out[0, target].backward()
    a = store["a"]
    w = a.grad.mean(dim=(2, 3), keepdim=True)
    cam = F.relu((w * a).sum(dim=1, keepdim=True))
    cam = cam / (cam.max() + 1e-7)
    return F.interpolate(cam, size=x.shape[-2:], mode="bilinear", align_corners=False).detach()


def save(path, array, dtype=np.float32):
    np.save(path, np.ascontiguousarray(array.detach().numpy().astype(dtype)))


def main():
    only = set(sys.argv[1:])
    manifest = {"generator": "engine/src/test/python/make_architectures.py", "torch": torch.__version__,
                "torchvision": torchvision.__version__, "ig_steps": IG_STEPS, "models": {}}
    manifest_path = os.path.join(ROOT, "manifest.json")
    if only and os.path.exists(manifest_path):
        with open(manifest_path) as f:
            manifest["models"] = json.load(f)["models"]
    total = 0
    for seed, name in enumerate(ARCHITECTURES):
        if only and name not in only:
            continue
        torch.manual_seed(seed)
        model, size, opset, cam_layer = build(name)
        randomise(model, seed)
        out = os.path.join(ROOT, name)
        os.makedirs(out, exist_ok=True)
        model64 = model.double()
        score, margin, path_margin, gap, x = choose_input(model64, size, seed)
        logits = model64(x).detach()
        target = int(logits[0].argmax())
        g = grad(model64, x, target)
        refs = {
            "gradient": g,
            "gradient_x_input": g * x,
            "gradient_x_sign": g * torch.where(x >= 0, 1.0, -1.0).double(),
        }
        ig = torch.zeros_like(x)
        for pt in path_points(x):
            ig += grad(model64, pt, target)
        refs["integrated_gradients"] = x * ig / IG_STEPS
        if cam_layer is not None:
            refs["grad_cam"] = grad_cam(model64, x, target, cam_layer)
        if name in BATCH_OF_TWO:
            # a second sample (another seeded draw) in one batch with the first: the exported attention moves the
            # batch axis, and the graph must still keep the samples apart
            g2 = torch.Generator().manual_seed(seed * 100 + 99)
            xb = torch.cat([x, torch.randn(1, 3, size, size, generator=g2, dtype=torch.float64)])
            xb_req = xb.clone().requires_grad_(True)
            outb = model64(xb_req)
            targets = outb.detach().argmax(dim=1)
            (gb,) = torch.autograd.grad(outb.gather(1, targets[:, None]).sum(), xb_req)
            save(os.path.join(out, "batch_input.npy"), xb)
            save(os.path.join(out, "batch_logits.npy"), outb.detach(), np.float64)
            save(os.path.join(out, "batch_gradient.npy"), gb)
        save(os.path.join(out, "input.npy"), x)
        save(os.path.join(out, "logits.npy"), logits, np.float64)
        for k, v in refs.items():
            save(os.path.join(out, k + ".npy"), v)
        model32 = model.float().eval()
        x32 = x.float()
        onnx_path = os.path.join(out, "model.onnx")
        torch.onnx.export(model32, x32, onnx_path, opset_version=opset, input_names=["input"],
                          output_names=["logits"], do_constant_folding=True)
        if name in BATCH_OF_TWO:
            # the same model exported with a dynamic batch axis: its shape arithmetic works on the batch size
            torch.onnx.export(model32, x32, os.path.join(out, "model_dynamic_batch.onnx"), opset_version=opset,
                              input_names=["input"], output_names=["logits"], do_constant_folding=True,
                              dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}})
        traced = torch.jit.trace(model32, x32, check_trace=False)
        pt_path = os.path.join(out, "model.pt")
        traced.save(pt_path)
        with torch.no_grad():
            f32 = model32(x32)
        sizes = {f: os.path.getsize(os.path.join(out, f)) for f in sorted(os.listdir(out))}
        total += sum(sizes.values())
        manifest["models"][name] = {
            "class": type(model).__name__, "input_shape": list(x.shape), "target": target, "opset": opset,
            "grad_cam_module": cam_layer, "methods": sorted(refs.keys()),
            "kink_margin": margin, "ig_path_kink_margin": path_margin, "top2_logit_gap": gap,
            "float32_logit_err": float((f32.double() - logits).abs().max()),
            "max_abs": {k: float(v.abs().max()) for k, v in refs.items()},
            "parameters": sum(p.numel() for p in model.parameters()), "bytes": sizes,
        }
        print(f"{name}: target {target}, kink margin {margin:.3g} (IG path {path_margin:.3g}), top-2 gap {gap:.3g}, "
              f"{sum(sizes.values()) / 1e6:.2f} MB", flush=True)
    with open(manifest_path, "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
    print(f"total {total / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
