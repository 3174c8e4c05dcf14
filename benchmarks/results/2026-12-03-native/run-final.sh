#!/usr/bin/env bash
# signstream bench on the final build of the round (native kernels on both engines, the x⁻ shortcut), two rounds.
# /tmp/vgg11.onnx: /usr/bin/python3 benchmarks/python/torchvision_gradient.py export vgg11 /tmp/vgg11.onnx
set -u
cd /work/main
F=engine/src/test/resources/fixtures
out=benchmarks/results/2026-12-03-native
echo "start $(date +%T) $(cat /proc/loadavg)" > $out/uptime-final.txt
for round in 1 2; do
  for m in "digits_cnn/digits_cnn.onnx digits_cnn/x0/input.npy 64" "small_vgg/small_vgg.onnx small_vgg/x0/input.npy 32"; do
    set -- $m
    name=$(basename $1 .onnx)
    for e in pytorch tensorflow; do
      ./signstream bench --model $F/$1 --input $F/$2 --batch $3 --threads 1 --seconds 3 --engine $e \
        --method gradient,lrp_epsilon_0_1,lrp_z,lrp_alpha_1_beta_0,integrated_gradients \
        > $out/final-$name-$e-$round.jsonl 2> $out/final-$name-$e-$round.txt
    done
  done
  for e in pytorch tensorflow; do
    ./signstream bench --model /tmp/vgg11.onnx --input-shape 3,224,224 --batch 2 --threads 1 --seconds 4 --engine $e \
      --method gradient,lrp_epsilon_0_1,lrp_z > $out/final-vgg11-$e-$round.jsonl 2> $out/final-vgg11-$e-$round.txt
  done
done
echo "end $(date +%T) $(cat /proc/loadavg)" >> $out/uptime-final.txt
