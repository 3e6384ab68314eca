#!/usr/bin/env bash
# The zonekit.zones collection ships: `cmake --install` puts it in
# <prefix>/share/ansible/collections (so the .deb puts it in Ansible's
# system path /usr/share/ansible/collections), ansible-doc documents every
# module from there, the .deb carries it, and the ansible-collection target
# builds a galaxy tarball of the project's version.
. "$(dirname "$0")/../lib/harness.sh"
command -v ansible-doc >/dev/null || { echo "SKIP: ansible-core is not installed" >&2; exit 77; }
export HOME=$ZK_TMP/home
mkdir -p "$HOME"
version=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$ZK_BUILD/CMakeCache.txt")
expect_eq "$(sed -n 's/^version: //p' "$ZK_SOURCE/contrib/ansible/ansible_collections/zonekit/zones/galaxy.yml")" \
  "$version" "collection version"

prefix=$ZK_TMP/prefix
zk_writable_build
cmake --install "$ZK_BUILD" --prefix "$prefix" >/dev/null
coll=$prefix/share/ansible/collections
for m in zone nictag image; do
  [ -f "$coll/ansible_collections/zonekit/zones/plugins/modules/$m.py" ] || zk_fail "module $m not installed"
done
export ANSIBLE_COLLECTIONS_PATH=$coll
expect_eq "$(ansible-doc -l zonekit.zones 2>/dev/null | awk '{print $1}' | sort | tr '\n' ' ')" \
  "zonekit.zones.image zonekit.zones.nictag zonekit.zones.zone " "ansible-doc -l"
for m in zone nictag image; do
  ansible-doc "zonekit.zones.$m" >"$ZK_TMP/doc" 2>&1 || { cat "$ZK_TMP/doc" >&2; zk_fail "ansible-doc zonekit.zones.$m"; }
  for s in OPTIONS EXAMPLES "RETURN VALUES"; do expect_contains "$ZK_TMP/doc" "$s"; done
  expect_contains "$ZK_TMP/doc" "check_mode"
done
[ -f "$coll/ansible_collections/zonekit/zones/playbooks/provision.yml" ] || zk_fail "playbook not installed"

(cd "$ZK_BUILD" && cmake --build . --target ansible-collection) >"$ZK_TMP/galaxy.log" 2>&1 ||
  { cat "$ZK_TMP/galaxy.log" >&2; zk_fail "ansible-collection target"; }
tarball=$ZK_BUILD/zonekit-zones-$version.tar.gz
[ -f "$tarball" ] || zk_fail "no $tarball"
tar -xzf "$tarball" -C "$ZK_TMP" MANIFEST.json plugins/modules/zone.py
expect_eq "$(jq -r '.collection_info | "\(.namespace).\(.name) \(.version)"' "$ZK_TMP/MANIFEST.json")" \
  "zonekit.zones $version" "tarball MANIFEST.json"

if command -v cpack >/dev/null && command -v dpkg-deb >/dev/null; then
  (cd "$ZK_BUILD" && cpack -G DEB -B "$ZK_TMP/pkg") >"$ZK_TMP/cpack.log" 2>&1 ||
    { cat "$ZK_TMP/cpack.log" >&2; zk_fail "cpack failed"; }
  dpkg-deb -c "$ZK_TMP"/pkg/zonekit_*.deb | awk '{print $6}' >"$ZK_TMP/contents"
  for f in plugins/modules/zone.py plugins/modules/nictag.py plugins/modules/image.py \
           plugins/module_utils/zonekit.py galaxy.yml meta/runtime.yml; do
    expect_contains "$ZK_TMP/contents" "./usr/share/ansible/collections/ansible_collections/zonekit/zones/$f"
  done
fi
