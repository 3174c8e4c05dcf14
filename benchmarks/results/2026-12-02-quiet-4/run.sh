#!/usr/bin/env bash
# Quiet-machine A/B for the closing note (session 4 of 2026-12-02): base = 9bbcfe3 (/work/wt-base), main = merged HEAD.
set -u
out=/work/measure/quiet4-$(date +%H%M)
mkdir -p $out
F=/work/main/engine/src/test/resources/fixtures
echo "start $(date +%T) $(cat /proc/loadavg)" > $out/uptime.txt
for i in 1 2; do
  for e in pytorch tensorflow; do
    for m in "digits_cnn/digits_cnn.onnx digits_cnn/x0/input.npy 64" "small_vgg/small_vgg.onnx small_vgg/x0/input.npy 32"; do
      set -- $m
      for v in base main; do
        d=/work/wt-$v; [ $v = main ] && d=/work/main
        (cd $d && ./signstream bench --model $F/$1 --input $F/$2 --batch $3 --threads 1 --seconds 2 --engine $e \
          --method gradient,lrp_epsilon_0_1,lrpsign_epsilon_0_1,lrp_alpha_1_beta_0 \
          > $out/bench-$v-$e-$(basename $1 .onnx)-$i.jsonl 2> $out/bench-$v-$e-$(basename $1 .onnx)-$i.txt)
      done
    done
  done
done
echo "bench done $(date +%T) $(cat /proc/loadavg)" >> $out/uptime.txt
for i in 1 2; do
  for m in lrp_epsilon_0_1 gradient; do
    for v in base main; do
      d=/work/wt-$v; [ $v = main ] && d=/work/main
      (cd $d && timeout 600 ./signstream loadtest --method $m > $out/loadtest-$v-$m-$i.json 2> $out/loadtest-$v-$m-$i.txt)
    done
  done
done
for v in base main; do
  d=/work/wt-$v; [ $v = main ] && d=/work/main
  (cd $d && timeout 300 ./signstream soak --rate 20 --duration 30 --method gradient > $out/soak20-$v.out 2> $out/soak20-$v.txt)
done
echo "pipeline done $(date +%T) $(cat /proc/loadavg)" >> $out/uptime.txt
cd /work/main
for m in resnet18; do
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
