#!/usr/bin/env bash
# libtorch's oneDNN capped at AVX (the old default) against all kernels (the new default), alternated in pairs,
# same window, nothing else running; then what a Python user runs (torch 1.13 from Debian, no cap) on the same models.
set -u
# /tmp/{resnet18,vgg11,densenet121}.onnx: /usr/bin/python3 benchmarks/python/torchvision_gradient.py export NAME /tmp/NAME.onnx
cd /work/main
F=engine/src/test/resources/fixtures
out=benchmarks/results/2026-12-03-isa
echo "start $(date +%T) $(cat /proc/loadavg)" > $out/uptime.txt
for round in 1 2; do
  for isa in AVX ALL; do
    for m in "digits_cnn/digits_cnn.onnx digits_cnn/x0/input.npy 64" "small_vgg/small_vgg.onnx small_vgg/x0/input.npy 32"; do
      set -- $m
      ONEDNN_MAX_CPU_ISA=$isa ./signstream bench --model $F/$1 --input $F/$2 --batch $3 --threads 1 --seconds 2 \
        --engine pytorch --method gradient,lrp_epsilon_0_1,lrpsign_epsilon_0_1 \
        > $out/bench-$isa-$(basename $1 .onnx)-$round.jsonl 2> $out/bench-$isa-$(basename $1 .onnx)-$round.txt
    done
    for m in resnet18 vgg11 densenet121; do
      ONEDNN_MAX_CPU_ISA=$isa ./signstream bench --model /tmp/$m.onnx --input-shape 3,224,224 --batch 2 --threads 1 \
        --seconds 4 --engine pytorch --method gradient > $out/bench-$isa-$m-$round.jsonl 2> $out/bench-$isa-$m-$round.txt
    done
  done
  for m in resnet18 vgg11 densenet121; do
    env -u ONEDNN_MAX_CPU_ISA OMP_NUM_THREADS=1 /usr/bin/python3 benchmarks/python/torchvision_gradient.py time $m \
      > $out/torch-$m-$round.txt 2>/dev/null
  done
done
echo "engine done $(date +%T) $(cat /proc/loadavg)" >> $out/uptime.txt
cd /work/shared/bench
for m in "digits_cnn 64" "small_vgg 32"; do
  env -u ONEDNN_MAX_CPU_ISA OMP_NUM_THREADS=1 PYTHONPATH=vendor:/tmp/stub /usr/bin/python3 anchor_torch.py $m 30 \
    >> /work/main/benchmarks/results/2026-12-03-isa/anchor.jsonl 2>/dev/null
done
echo "end $(date +%T) $(cat /proc/loadavg)" >> /work/main/benchmarks/results/2026-12-03-isa/uptime.txt
# Captum imports matplotlib, which Debian's python3-torch does not pull in; the anchors ran with a stub on PYTHONPATH:
#   mkdir -p /tmp/stub/matplotlib /tmp/stub/mpl_toolkits/axes_grid1
#   for m in cm colors pyplot collections figure; do printf 'def __getattr__(name):\n    return object\n' > /tmp/stub/matplotlib/$m.py; done
#   echo 'from . import cm, colors, pyplot' > /tmp/stub/matplotlib/__init__.py; touch /tmp/stub/mpl_toolkits/__init__.py
#   echo 'def make_axes_locatable(*a, **k): pass' > /tmp/stub/mpl_toolkits/axes_grid1/__init__.py
#   (then PYTHONPATH=vendor:/tmp/stub for anchor_torch.py, as in the loop above with vendor only)
