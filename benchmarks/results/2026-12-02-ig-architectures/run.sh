#!/bin/bash
# IG-50 vs 50 gradient maps on every imported architecture, both engines, batch 2 (ratio in one process)
cd /work/main
A=engine/src/test/resources/architectures
out=/tmp/prof/igarch; mkdir -p $out
for e in pytorch tensorflow; do
  for m in convnext densenet efficientnet_b0 mobilenet_v2 mobilenet_v3_small resnet18 squeezenet1_1 vit; do
    s=$([ $m = vit ] && echo 3,32,32 || echo 3,64,64)
    nice -n 10 ./signstream bench --model $A/$m/model.onnx --input-shape $s --batch 2 --threads 1 --seconds 3 --engine $e \
      --method gradient,integrated_gradients > $out/$e-$m.jsonl 2> $out/$e-$m.txt
    /usr/bin/python3 -c "
import json,sys
r={j['method']:j for j in map(json.loads,open('$out/$e-$m.jsonl'))}
g=r['gradient']['map_ms']; i=r['integrated_gradients']['map_ms']
print('$e $m gradient %.2f ms, IG-50 %.1f ms, IG/(50 grad) %.2f' % (g,i,i/(50*g)))"
  done
done
