#!/usr/bin/env bash
# The same as run.sh (base = 24f618c), against the final build of the round (column form included).
# base: /tmp/ab/run.sh h24 runs `java -cp <24f618c's stream-app.jar and lib>` with the launcher's environment.
# /tmp/vgg11.onnx: /usr/bin/python3 benchmarks/python/torchvision_gradient.py export vgg11 /tmp/vgg11.onnx
set -u
cd /work/main
F=engine/src/test/resources/fixtures
out=benchmarks/results/2026-12-03-tiled-pool
echo "start $(date +%T) $(cat /proc/loadavg)" > $out/uptime-final.txt
bench() { # version, args...
  local v=$1; shift
  if [ "$v" = base ]; then /tmp/ab/run.sh h24 bench "$@"; else ./signstream bench "$@"; fi
}
for round in 1 2; do
  for v in base new; do
    for m in "digits_cnn/digits_cnn.onnx digits_cnn/x0/input.npy 64" "small_vgg/small_vgg.onnx small_vgg/x0/input.npy 32"; do
      set -- $m
      name=$(basename $1 .onnx)
      for e in pytorch tensorflow; do
        bench $v --model $F/$1 --input $F/$2 --batch $3 --threads 1 --seconds 3 --engine $e \
          --method gradient,lrp_epsilon_0_1,lrp_z > $out/final-$v-$name-$e-$round.jsonl 2> $out/final-$v-$name-$e-$round.txt
      done
    done
    bench $v --model /tmp/vgg11.onnx --input-shape 3,224,224 --batch 2 --threads 1 --seconds 4 --engine pytorch \
      --method gradient,lrp_epsilon_0_1 > $out/final-$v-vgg11-$round.jsonl 2> $out/final-$v-vgg11-$round.txt
  done
done
echo "end $(date +%T) $(cat /proc/loadavg)" >> $out/uptime-final.txt
