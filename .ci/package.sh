#!/usr/bin/env bash
# Packaging check: build the sdist and the wheel, check their metadata with twine, then
# install the wheel (not the source tree) into a fresh venv, with its dependencies from
# the package index, and smoke-test it there: the README's first example, `neurograd
# plugins`, `neurograd --version` and a one-step `neurograd demo`.
# Run from anywhere, in an environment with the project's ci extra: pip install -e ".[ci]".
set -euo pipefail
cd "$(dirname "$0")/.."
export PIP_DISABLE_PIP_VERSION_CHECK=1

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "== python -m build: sdist, then the wheel built from the sdist"
python -m build --outdir "$work/dist" . >"$work/build.log" 2>&1 || {
    cat "$work/build.log"
    exit 1
}
ls "$work/dist"
sdists=("$work"/dist/*.tar.gz)
wheels=("$work"/dist/*.whl)
[ "${#sdists[@]}" -eq 1 ] && [ "${#wheels[@]}" -eq 1 ] || {
    echo "expected one sdist and one wheel in dist/" >&2
    exit 1
}

echo "== twine check --strict"
python -m twine check --strict "$work"/dist/*

echo "== the wheel holds the four packages and the kit's pytest plugin, and no tests"
python - "${wheels[0]}" <<'PY'
import sys, zipfile
names = zipfile.ZipFile(sys.argv[1]).namelist()
tops = {name.split("/")[0] for name in names if not name.startswith("neurograd_engine-")}
expected = {"neurograd_core", "neurograd_ops", "neurograd_nn", "neurograd_viz", "pytest_neurograd.py"}
if tops != expected:
    sys.exit(f"wheel top-level entries {sorted(tops)}, expected {sorted(expected)}")
PY

echo "== a fresh venv with the wheel and its demo extra"
python -m venv "$work/venv"
"$work/venv/bin/python" -m pip install -q "${wheels[0]}[demo]" >"$work/install.log" 2>&1 || {
    cat "$work/install.log"
    exit 1
}

echo "== smoke test, from outside the source tree"
cd "$work"
py="$work/venv/bin/python"
where=$("$py" -c 'import neurograd_core; print(neurograd_core.__file__)')
case "$where" in
"$work/venv/"*) echo "neurograd_core from $where" ;;
*) echo "neurograd_core comes from $where, not the installed wheel" >&2 && exit 1 ;;
esac

# the README's first example, as the README has it, and the numbers it promises
"$py" - "$OLDPWD/README.md" >readme.out <<'PY'
import re, sys
text = open(sys.argv[1], encoding="utf-8").read()
first = re.search(r"```python\n(.*?)```", text, re.S).group(1)
exec(compile(first, "README.md", "exec"), {})
PY
cat readme.out
[ "$(cat readme.out)" = $'24.7041\n138.8338\n645.5773' ] || {
    echo "the README's example printed something else" >&2
    exit 1
}

"$work/venv/bin/neurograd" plugins >plugins.out
cat plugins.out
for plugin in core arithmetic activations exponentials nn viz; do
    grep -q "^$plugin  (neurograd-engine " plugins.out || {
        echo "neurograd plugins does not list $plugin" >&2
        exit 1
    }
done
! grep -q "error:" plugins.out || {
    echo "neurograd plugins reports an error" >&2
    exit 1
}

version=$("$work/venv/bin/neurograd" --version)
expected=$("$py" -c 'from importlib.metadata import version; print(version("neurograd-engine"))')
echo "$version"
[ "$version" = "neurograd $expected" ] && [ "${wheels[0]##*/}" = "neurograd_engine-$expected-py3-none-any.whl" ] || {
    echo "version mismatch: $version, distribution $expected, wheel ${wheels[0]##*/}" >&2
    exit 1
}

"$work/venv/bin/neurograd" demo --steps 1 --samples 20 --output "$work/demo"
[ -s "$work/demo/moons_decision_boundary.png" ] && [ -s "$work/demo/moons_loss_curve.png" ]

echo ".ci/package.sh: all good"
