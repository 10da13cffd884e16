#!/bin/sh
# Splink against the same tasks as our engine (BENCHMARKS.md, "Splink on the same task").
# Run from the repository root; one process at a time. SPLINK_VENV (default /tmp/splinkenv)
# is a virtualenv of its own:
#   python3 -m venv /tmp/splinkenv && /tmp/splinkenv/bin/pip install -r bench/splink/requirements.txt
# The project's .venv needs requirements-bench.txt for our FEBRL4 run (not run here).
set -e
SPLINK=${SPLINK_VENV:-/tmp/splinkenv}/bin/python
OUT=bench-out/splink-febrl4
mkdir -p $OUT
# 1. FEBRL4, petition fields, three blockings; then all fields (the literature's setting) as a check
for b in standard wide cartesian; do
  $SPLINK -m bench.splink.febrl4 --seed 1 --seed 2 --seed 3 --blocking $b --out $OUT > $OUT/petition-$b.log 2>&1
done
$SPLINK -m bench.splink.febrl4 --seed 1 --fields all --blocking standard --out $OUT > $OUT/all-fields-standard.log 2>&1
# 2. The synthetic benchmark (households): data from the project's generator and parsers (no database)
SEEDS="116327 945162 290197"
DATA=bench-out/splink-synthetic
for s in $SEEDS; do .venv/bin/python -m bench.generate $DATA/seed-$s --seed $s; done
DEBUG=1 .venv/bin/python -m bench.splink.prepare_synthetic $(for s in $SEEDS; do printf "$DATA/seed-%s " $s; done)
for b in standard wide; do
  $SPLINK -m bench.splink.synthetic --seed 116327 --seed 945162 --seed 290197 --blocking $b > $DATA/splink-$b.log 2>&1
done
# 3. Diagnostic only: m estimated from the true pairs instead of EM
$SPLINK -m bench.splink.synthetic --seed 116327 --seed 945162 --seed 290197 --blocking standard --training labels \
  > $DATA/splink-standard-labels.log 2>&1
echo "logs in $OUT and $DATA"
