#!/usr/bin/env bash
out=/work/measure/tfab2; mkdir -p $out
F=/work/main/engine/src/test/resources/fixtures
for i in 1 2; do
 for e in tensorflow pytorch; do
  for m in "digits_cnn/digits_cnn.onnx digits_cnn/x0/input.npy 64" "small_vgg/small_vgg.onnx small_vgg/x0/input.npy 32"; do
   set -- $m
   for v in base main tfconst; do
    d=/work/wt-$v; [ $v = main ] && d=/work/main
    (cd $d && ./signstream bench --model $F/$1 --input $F/$2 --batch $3 --threads 1 --seconds 2 --engine $e \
      --method gradient,lrp_epsilon_0_1,lrpsign_epsilon_0_1 > $out/$v-$e-$(basename $1 .onnx)-$i.jsonl 2>/dev/null)
   done
  done
 done
done
echo done
