#!/usr/bin/env bash
# The build before this round (9af4273: DJL's create(float[]) per input, no heap pre-touch) against this round's
# (HostArrays, the launcher's -XX:+AlwaysPreTouch for bench), alternated in pairs, same window, nothing else running;
# then what a Python user runs (torch 1.13 from Debian, no oneDNN cap) on the same models.
# base: /tmp/ab/run.sh runs `java -cp <9af4273's stream-app.jar and lib>` with the launcher's environment, no pre-touch.
# /tmp/{resnet18,vgg11,densenet121}.onnx: /usr/bin/python3 benchmarks/python/torchvision_gradient.py export NAME /tmp/NAME.onnx
set -u
cd /work/main
F=engine/src/test/resources/fixtures
out=benchmarks/results/2026-12-03-warm
echo "start $(date +%T) $(cat /proc/loadavg)" > $out/uptime.txt
bench() { # version, args...
  local v=$1; shift
  if [ "$v" = base ]; then /tmp/ab/run.sh base bench "$@"; else ./signstream bench "$@"; fi
}
for round in 1 2; do
  for v in base new; do
    for m in "digits_cnn/digits_cnn.onnx digits_cnn/x0/input.npy 64" "small_vgg/small_vgg.onnx small_vgg/x0/input.npy 32"; do
      set -- $m
      name=$(basename $1 .onnx)
      bench $v --model $F/$1 --input $F/$2 --batch $3 --threads 1 --seconds 2 --engine pytorch \
        --method gradient,lrp_epsilon_0_1,lrpsign_epsilon_0_1 > $out/bench-$v-$name-pytorch-$round.jsonl 2> $out/bench-$v-$name-pytorch-$round.txt
      bench $v --model $F/$1 --input $F/$2 --batch $3 --threads 1 --seconds 2 --engine tensorflow \
        --method gradient,lrp_epsilon_0_1 > $out/bench-$v-$name-tensorflow-$round.jsonl 2> $out/bench-$v-$name-tensorflow-$round.txt
    done
    for m in resnet18 vgg11 densenet121; do
      bench $v --model /tmp/$m.onnx --input-shape 3,224,224 --batch 2 --threads 1 --seconds 4 --engine pytorch \
        --method gradient > $out/bench-$v-$m-$round.jsonl 2> $out/bench-$v-$m-$round.txt
    done
  done
done
echo "engine done $(date +%T) $(cat /proc/loadavg)" >> $out/uptime.txt
for m in resnet18 vgg11 densenet121; do
  env -u ONEDNN_MAX_CPU_ISA OMP_NUM_THREADS=1 /usr/bin/python3 benchmarks/python/torchvision_gradient.py time $m \
    > $out/torch-$m.txt 2>/dev/null
done
cd /work/shared/bench
for m in "digits_cnn 64" "small_vgg 32"; do
  env -u ONEDNN_MAX_CPU_ISA OMP_NUM_THREADS=1 PYTHONPATH=vendor:/tmp/stub /usr/bin/python3 anchor_torch.py $m 30 \
    >> /work/main/$out/anchor.jsonl 2>/dev/null
done
echo "end $(date +%T) $(cat /proc/loadavg)" >> /work/main/$out/uptime.txt
