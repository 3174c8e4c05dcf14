#!/usr/bin/env bash
# JMH, PyTorch engine, fixtures, libtorch capped at AVX (old default) then with all kernels (new default), back to back.
set -u
cd /work/main
export TF_CPP_MIN_LOG_LEVEL=3 TF_ENABLE_ONEDNN_OPTS=0 MALLOC_MMAP_THRESHOLD_=268435456 MALLOC_TRIM_THRESHOLD_=536870912 MALLOC_TOP_PAD_=67108864
out=benchmarks/results/2026-12-03-isa/jmh
for isa in AVX ALL; do
  ONEDNN_MAX_CPU_ISA=$isa java -cp benchmarks/target/benchmarks.jar io.signstream.benchmarks.RunBenchmarks \
    --engines pytorch --workloads small_vgg/32,digits_cnn/64 --no-vgg16 --out $out/$isa > $out/$isa.log 2>&1
done
