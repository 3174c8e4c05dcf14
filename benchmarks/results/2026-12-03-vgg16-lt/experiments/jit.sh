#!/usr/bin/env bash
# C1 only (the launcher's default) against C2 (tiered), both after a long warm-up; LRP-ε
set -u
cd /work/main
out=/tmp/lt
for round in 1; do
  for jit in 1 4; do
    echo "start jit$jit $round $(date +%T) $(cat /proc/loadavg)" >> $out/uptime-jit.txt
    SIGNSTREAM_JAVA_OPTS=-XX:TieredStopAtLevel=$jit ./signstream loadtest --method lrp_epsilon_0_1 --warmup 60000 \
      > $out/jit$jit-$round.json 2> $out/jit$jit-$round.txt
  done
done
echo "end $(date +%T) $(cat /proc/loadavg)" >> $out/uptime-jit.txt
