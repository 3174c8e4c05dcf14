#!/usr/bin/env bash
# final code (monitor-inclusive phases, 5 s lead-in, 2,000 baseline calls): default loadtest with 1, 16 and 64
# samples per request
set -u
cd /work/main
out=benchmarks/results/2026-12-03-vgg16-lt/loadtest-final
for n in 1 16 64; do
  for m in lrp_epsilon_0_1 gradient; do
    [ $n = 64 ] && [ $m = gradient ] && continue
    echo "start $m $n $(date +%T) $(cat /proc/loadavg)" >> $out/uptime.txt
    ./signstream loadtest --method $m --samples-per-request $n > $out/$m-s$n.json 2> $out/$m-s$n.log
    grep -v "INFO\|WARN\|NNPACK\|DashboardVerticle" $out/$m-s$n.log > $out/$m-s$n.txt; rm $out/$m-s$n.log
  done
done
echo "end $(date +%T) $(cat /proc/loadavg)" >> $out/uptime.txt
