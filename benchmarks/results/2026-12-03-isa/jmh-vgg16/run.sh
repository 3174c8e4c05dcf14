#!/usr/bin/env bash
# JMH VGG16/4, PyTorch engine, libtorch capped at AVX then with all kernels, back to back (README's plain-JMH command).
set -u
cd /work/main
export TF_CPP_MIN_LOG_LEVEL=3 TF_ENABLE_ONEDNN_OPTS=0 MALLOC_MMAP_THRESHOLD_=268435456 MALLOC_TRIM_THRESHOLD_=536870912 MALLOC_TOP_PAD_=67108864
out=benchmarks/results/2026-12-03-isa/jmh-vgg16
for isa in AVX ALL; do
  ONEDNN_MAX_CPU_ISA=$isa java -jar benchmarks/target/benchmarks.jar 'MapsPerSecondBenchmark.(forward|gradient|lrp.*)$' \
    -p workload=vgg16/4 -p engine=pytorch -wi 1 -w 1s -i 2 -r 1s -rf json -rff $out/vgg16-$isa.json > $out/vgg16-$isa.log 2>&1
done
java -cp benchmarks/target/benchmarks.jar io.signstream.benchmarks.RatioReport $out/vgg16-AVX.json > $out/ratios-AVX.md 2>&1
java -cp benchmarks/target/benchmarks.jar io.signstream.benchmarks.RatioReport $out/vgg16-ALL.json > $out/ratios-ALL.md 2>&1
