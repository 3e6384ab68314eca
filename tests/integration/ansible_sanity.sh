#!/usr/bin/env bash
# ansible-test sanity passes on the zonekit.zones collection, offline
# (contrib/ansible/sanity.sh: ansible-test's own tests, with Debian's
# linters in its virtualenvs). Also: every module compiles, and ansible-doc
# renders each one.
. "$(dirname "$0")/../lib/harness.sh"
command -v ansible-test >/dev/null || { echo "SKIP: ansible-test is not installed (apt-get install ansible-core)" >&2; exit 77; }
for m in pylint pycodestyle yamllint voluptuous; do
  /usr/bin/python3 -c "import $m" 2>/dev/null || { echo "SKIP: python module $m is missing (scripts/install-deps.sh)" >&2; exit 77; }
done
"$ZK_SOURCE/contrib/ansible/sanity.sh" >"$ZK_TMP/sanity.log" 2>&1 || { cat "$ZK_TMP/sanity.log" >&2; zk_fail "sanity"; }
cat "$ZK_TMP/sanity.log"
for t in validate-modules ansible-doc pylint pep8 import compile yamllint runtime-metadata; do
  expect_contains "$ZK_TMP/sanity.log" "sanity $t: ok"
done
