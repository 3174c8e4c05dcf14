#!/usr/bin/env bash
# loadtest: default burst (10,000) against a longer one (30,000), both methods, alternated
set -u
cd /work/main
out=${OUT:-/tmp/lt}
for round in 1 2; do
  for m in gradient lrp_epsilon_0_1; do
    for n in 10000 30000; do
      echo "start $m $n $round $(date +%T) $(cat /proc/loadavg)" >> $out/uptime.txt
      ./signstream loadtest --method $m --requests $n > $out/lt-$m-$n-$round.json 2> $out/lt-$m-$n-$round.txt
    done
  done
done
echo "end $(date +%T) $(cat /proc/loadavg)" >> $out/uptime.txt
