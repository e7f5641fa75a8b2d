#!/usr/bin/env bash
# The example third-party plugin end to end: install it, run its own test suite, show
# Neurograd with it installed (listed, included, excluded), uninstall it.
# Run from the repository root, in the environment where the project is installed
# with ".[test]".
set -euo pipefail
cd "$(dirname "$0")/.."

example=examples/neurograd-curves
dist=neurograd-curves
unset NEUROGRAD_LOAD_PLUGINS NEUROGRAD_STRICT_PLUGINS

has_gaussian() {
    python -c 'from neurograd_core import Value; print(hasattr(Value, "gaussian"))'
}

python -m pip install -q "./$example"
trap 'python -m pip uninstall -y -q "$dist"' EXIT

echo "== $dist: its own test suite"
(cd "$example" && NEUROGRAD_STRICT_PLUGINS=1 python -m pytest -q -p no:cacheprovider)

echo "== neurograd plugins lists it"
listing=$(neurograd plugins)
grep -A3 "^curves " <<<"$listing"
grep -q "^curves  ($dist 0.1.0, third-party, neurograd_curves)$" <<<"$listing"
grep -q "^  ops: *bent_identity, gaussian, logaddexp$" <<<"$listing"
[ "$(has_gaussian)" = True ]

echo "== NEUROGRAD_LOAD_PLUGINS=$dist includes it"
[ "$(NEUROGRAD_LOAD_PLUGINS=$dist has_gaussian)" = True ]
NEUROGRAD_LOAD_PLUGINS=$dist python -c 'from neurograd_core import Value; print(Value(0.5).gaussian())'

echo "== NEUROGRAD_LOAD_PLUGINS= (empty) excludes it"
[ "$(NEUROGRAD_LOAD_PLUGINS= has_gaussian)" = False ]
excluded=$(NEUROGRAD_LOAD_PLUGINS= neurograd plugins)
curves_entry=$(grep -A4 "^curves " <<<"$excluded")
echo "$curves_entry"
grep -q "error: *not loaded: excluded by NEUROGRAD_LOAD_PLUGINS" <<<"$curves_entry"

echo "== the project's test suite ignores it"
python -m pytest -q -p no:cacheprovider tests/kit/test_suite_isolation.py

echo "== uninstalled"
trap - EXIT
python -m pip uninstall -y -q "$dist"
[ "$(has_gaussian)" = False ]
if grep -q "^curves " <<<"$(neurograd plugins)"; then
    echo "$dist is still listed after pip uninstall" >&2
    exit 1
fi
echo "examples/ci.sh: all good"
