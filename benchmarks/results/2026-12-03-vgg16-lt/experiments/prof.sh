#!/usr/bin/env bash
# per-thread CPU of the pipeline in the steady phase of a soak at a fixed rate
# usage: prof.sh METHOD RATE TAG [extra soak options]
set -u
cd /work/main
m=$1; rate=$2; tag=$3; shift 3; out=/tmp/lt
rm -f $out/csv-$tag.csv
./signstream soak --method $m --rate $rate --duration 30 --warmup 10000 --no-gc-hint --csv $out/csv-$tag.csv "$@" > $out/soak-$tag.out 2>&1 &
for i in $(seq 1 240); do [ -s $out/csv-$tag.csv ] && [ $(wc -l < $out/csv-$tag.csv) -ge 8 ] && break; sleep 1; done
pid=$(pgrep -f "java.*soak" | head -1)
echo "pid $pid $(cat /proc/$pid/comm)"
python3 $out/threadcpu.py $pid 15 > $out/threads-$tag.txt
wait
