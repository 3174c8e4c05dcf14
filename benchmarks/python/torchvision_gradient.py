"""Full-size torchvision models for the engine-vs-torch-eager gradient comparison (issue 11, item 3).

Setup (Debian packages, once):  apt-get install -y python3-torch python3-torchvision python3-onnx
Export:  /usr/bin/python3 benchmarks/python/torchvision_gradient.py export resnet18 /tmp/resnet18.onnx
Time:    OMP_NUM_THREADS=1 /usr/bin/python3 benchmarks/python/torchvision_gradient.py time resnet18
Random weights (seeded), 3x224x224, batch 2. `export` writes an ONNX file (opset 13, dynamic batch) for
`signstream bench --model FILE --input-shape 3,224,224 --batch 2 --method gradient`; `time` prints the median of 7
calls of torch eager's forward (no_grad) and input gradient (torch.autograd.grad of the top logits), 1 thread.
"""
import statistics, sys, time
import torch, torchvision

mode, name = sys.argv[1], sys.argv[2]
torch.manual_seed(0)
torch.set_num_threads(1)
model = getattr(torchvision.models, name)(weights=None).eval()
for p in model.parameters():
    p.requires_grad_(False)
x = torch.randn(2, 3, 224, 224)

if mode == "export":
    torch.onnx.export(model, x, sys.argv[3], opset_version=13, input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}})
    sys.exit(0)


def forward():
    with torch.no_grad():
        model(x)


def gradient():
    xi = x.clone().requires_grad_(True)
    y = model(xi)
    torch.autograd.grad(y.gather(1, y.argmax(1)[:, None]).sum(), xi)


for fn in (forward, gradient):
    fn()
    times = []
    for _ in range(7):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    print(f"{name} {fn.__name__} {statistics.median(times) * 1000:.1f} ms")
