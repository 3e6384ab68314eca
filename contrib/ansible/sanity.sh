#!/usr/bin/env bash
# ansible-test sanity on the zonekit.zones collection, offline.
#
# ansible-test gives each sanity test a virtualenv and pip-installs pinned
# linters into it from PyPI. Without network, this script makes each such
# virtualenv itself, with --system-site-packages, so the linters come from
# Debian's packages (pylint, pycodestyle, yamllint, python3-voluptuous,
# python3-jinja2, python3-yaml: see scripts/install-deps.sh), and marks it
# ready as ansible-test does. The tests run unchanged; only the linters'
# versions are Debian's instead of ansible-test's pins.
#
#   contrib/ansible/sanity.sh [TEST...]     (default: every sanity test)
# Exit 0 when every test run passes. Works in a copy under a temp dir, so
# neither the tree nor $HOME gets ansible-test's output.
set -euo pipefail
src=$(cd "$(dirname "$0")" && pwd)/ansible_collections/zonekit/zones
work=$(mktemp -d /tmp/zk-sanity.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/ansible_collections/zonekit" "$work/home"
cp -r "$src" "$work/ansible_collections/zonekit/zones"
rm -rf "$work/ansible_collections/zonekit/zones/tests/output"
export HOME="$work/home" ANSIBLE_TEST_PREFER_PODMAN=0
# Debian's python, where Debian's linters are (not a python3 earlier on PATH).
python=/usr/bin/python3
py=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
cd "$work/ansible_collections/zonekit/zones"

tests=("$@")
if [ ${#tests[@]} -eq 0 ]; then
  mapfile -t tests < <(ansible-test sanity --list-tests --python-interpreter "$python" 2>/dev/null)
fi
# Tests for what the collection does not have (PowerShell, changelogs,
# integration targets) or that need a container, skipped as ansible-test
# itself skips them for a collection like this one.
skip=" pslint changelog integration-aliases mypy "
failed=0
for t in "${tests[@]}"; do
  [[ $skip == *" $t "* ]] && continue
  for attempt in 1 2 3; do
    rc=0
    out=$(ansible-test sanity --test "$t" --python "$py" --python-interpreter "$python" --color no 2>&1) || rc=$?
    venv=$(printf '%s\n' "$out" | sed -n 's/^FATAL: Python .* at "\(.*\)\/bin\/python" does not have pip available\.$/\1/p')
    [ -n "$venv" ] || break
    "$python" -m venv --system-site-packages --without-pip "$venv"
    echo '[]' >"$venv/meta.install.json"
    echo 'true' >"$venv/meta.yaml.json"
    touch "$venv/marker.txt"
  done
  if [ $rc -eq 0 ]; then
    echo "sanity $t: ok"
  else
    echo "sanity $t: FAILED"
    printf '%s\n' "$out" | grep -v 'locale\|Reviewing previous' | sed 's/^/  /'
    failed=$((failed + 1))
  fi
done
[ $failed -eq 0 ] || { echo "sanity: $failed test(s) failed" >&2; exit 1; }
