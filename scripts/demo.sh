#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds jitfuse-bench and runs it: by default its quick suite (--quick). Arguments replace
# that and go to jitfuse-bench; with --peers among them the Python peers (NumPy, Numba,
# numexpr, JAX) are installed from PyPI (pip --user) while the build runs, when missing. The
# peers are optional because installing and JIT-compiling them on a fresh machine takes the
# demo past three minutes.
#   JITFUSE_BUILD_DIR=dir   build folder (default build/default, the default preset's)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

start=$SECONDS
build=${JITFUSE_BUILD_DIR:-build/default}
python=${JITFUSE_BENCH_PYTHON:-python3}
args=("$@")
[[ ${#args[@]} -eq 0 ]] && args=(--quick)
peers=0
for a in "${args[@]}"; do [[ $a == --peers ]] && peers=1; done

have_peers() { "$python" -c 'import numpy, numba, numexpr' >/dev/null 2>&1; }

bash scripts/setup.sh

pip_pid=
pip_log=$(mktemp)
if [[ $peers == 1 ]] && ! have_peers; then
    if command -v "$python" >/dev/null 2>&1 && "$python" -m pip --version >/dev/null 2>&1; then
        echo "demo: installing the Python peers in the background (pip install --user -r bench/peers/requirements.txt)"
        "$python" -m pip install --user -q --disable-pip-version-check -r bench/peers/requirements.txt >"$pip_log" 2>&1 &
        pip_pid=$!
    else
        echo "demo: no $python with pip: the peers are skipped (pip install --user -r bench/peers/requirements.txt)"
    fi
fi

cmake --preset default -B "$build" >/dev/null
cmake --build "$build" --target jitfuse-bench --parallel "$(nproc)"
echo "demo: built in $((SECONDS - start)) s"

if [[ -n $pip_pid ]]; then
    if wait "$pip_pid"; then
        echo "demo: peers installed ($((SECONDS - start)) s so far)"
    else
        echo "demo: pip could not install the peers; continuing without them. Its last lines:"
        tail -n 5 "$pip_log" | sed 's/^/  /'
    fi
fi
rm -f "$pip_log"

if [[ $peers == 1 ]] && ! have_peers; then
    echo "demo: numpy, numba or numexpr still missing: the peers will say which ones they skip"
fi
"./$build/jitfuse-bench" "${args[@]}"
echo "demo: done in $((SECONDS - start)) s"
