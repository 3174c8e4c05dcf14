#!/usr/bin/env bash
# Default `signstream loadtest` (embedded broker, digits_cnn, PyTorch), libtorch capped at AVX (old default) and with
# all kernels (new default), alternated.
set -u
cd /work/main
out=benchmarks/results/2026-12-03-isa/loadtest
for round in 1 2; do
  for m in lrp_epsilon_0_1 gradient; do
    for isa in AVX ALL; do
      ONEDNN_MAX_CPU_ISA=$isa timeout 600 ./signstream loadtest --method $m > $out/$isa-$m-$round.json 2> $out/$isa-$m-$round.txt
    done
  done
done
