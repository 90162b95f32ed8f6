#!/usr/bin/env bash
# The tests marked `slow`: kept out of CI's fast suite (.ci/run, <= 3 min quiet), run
# here with the benchmarks. Each guards a claim the fast suite also touches on a
# smaller case (see the marker's reason in the test).
set -euo pipefail
cd "$(dirname "$0")/.."
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 NUMBA_NUM_THREADS=1
export XLA_FLAGS=--xla_cpu_multi_thread_eigen=false
python3 -m pytest -q -m "slow and not gpu" -p no:cacheprovider "$@"
