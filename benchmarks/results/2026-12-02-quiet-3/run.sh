#!/usr/bin/env bash
# Quiet-machine measurements for the closing note (session 3 of 2026-12-02).
set -u
cd /work/main
F=engine/src/test/resources/fixtures
out=/work/measure/final-$(date +%H%M)
mkdir -p $out
echo "start $(date +%T) $(cat /proc/loadavg)" > $out/uptime.txt
for m in lrp_epsilon_0_1 gradient; do
  timeout 600 ./signstream loadtest --method $m > $out/loadtest-$m.json 2> $out/loadtest-$m.txt
done
timeout 300 ./signstream soak --rate 20 --duration 30 --method gradient > $out/soak20.out 2> $out/soak20.txt
echo "pipeline done $(date +%T) $(cat /proc/loadavg)" >> $out/uptime.txt
for e in pytorch tensorflow; do
  for m in "digits_cnn/digits_cnn.onnx digits_cnn/x0/input.npy 64" "small_vgg/small_vgg.onnx small_vgg/x0/input.npy 32"; do
    set -- $m
    ./signstream bench --model $F/$1 --input $F/$2 --batch $3 --threads 1 --seconds 2 --engine $e \
      --method gradient,lrp_epsilon_0_1,lrpsign_epsilon_0_1,lrp_alpha_1_beta_0,integrated_gradients \
      > $out/bench-$e-$(basename $1 .onnx).jsonl 2> $out/bench-$e-$(basename $1 .onnx).txt
  done
done
for m in resnet18 vgg11; do
  ./signstream bench --model /tmp/$m.onnx --input-shape 3,224,224 --batch 2 --threads 1 --seconds 4 --engine pytorch \
    --method gradient > $out/bench-pytorch-$m.jsonl 2> $out/bench-pytorch-$m.txt
  OMP_NUM_THREADS=1 /usr/bin/python3 benchmarks/python/torchvision_gradient.py time $m > $out/torch-$m.txt 2>/dev/null
done
cd /work/shared/bench
for m in "digits_cnn 64" "small_vgg 32"; do
  OMP_NUM_THREADS=1 PYTHONPATH=vendor:/tmp/stub /usr/bin/python3 anchor_torch.py $m 30 >> $out/anchor.jsonl 2>/dev/null
done
echo "end $(date +%T) $(cat /proc/loadavg)" >> $out/uptime.txt
echo $out
