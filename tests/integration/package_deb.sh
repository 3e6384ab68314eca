#!/usr/bin/env bash
# The Debian package: cpack builds it from the build tree, its Depends are
# real shared libraries, dpkg installs it on this machine (into /usr), the
# tools, man pages, completions and unit are where Debian expects them, and
# dpkg -r removes every file again. The package is removed on any exit, so
# the machine is left as it was. Skips when a zonekit package is already
# installed (not ours to touch) or the Debian tools are missing.
. "$(dirname "$0")/../lib/harness.sh"
for t in cpack dpkg dpkg-deb dpkg-query dpkg-shlibdeps; do
  command -v "$t" >/dev/null || { echo "SKIP: $t is not installed" >&2; exit 77; }
done
if dpkg-query -W -f='${Status}\n' zonekit 2>/dev/null | grep -qv "not-installed"; then
  echo "SKIP: a zonekit package is already installed; not touching it" >&2
  exit 77
fi

installed=0
pkg_cleanup() {
  if [ "$installed" = 1 ]; then
    dpkg -r zonekit >/dev/null 2>&1 || dpkg --purge --force-all zonekit >/dev/null 2>&1
  fi
  return 0
}
ZK_EXTRA_CLEANUP=pkg_cleanup

# cpack writes into the build tree and dpkg -i into the root: a read-only
# host tree (scripts/vm-test.sh shares it read-only) cannot have either.
if ! [ -w "$ZK_BUILD" ] || ! [ -w /var/lib/dpkg ]; then
  echo "SKIP: package_deb.sh needs a writable build tree and root (dpkg -i)" >&2
  exit 77
fi

version=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$ZK_BUILD/CMakeCache.txt")
[ -n "$version" ] || zk_fail "no project version in CMakeCache.txt"

(cd "$ZK_BUILD" && cpack -G DEB -B "$ZK_TMP/pkg") >"$ZK_TMP/cpack.log" 2>&1 ||
  { cat "$ZK_TMP/cpack.log" >&2; zk_fail "cpack failed"; }
deb=$(ls "$ZK_TMP"/pkg/zonekit_*.deb)
[ -f "$deb" ] || zk_fail "no .deb in $ZK_TMP/pkg"

expect_eq "$(dpkg-deb -f "$deb" Package)" zonekit "Package"
expect_eq "$(dpkg-deb -f "$deb" Version)" "$version" "Version"
[ -n "$(dpkg-deb -f "$deb" Maintainer)" ] || zk_fail "no Maintainer field"
[ -n "$(dpkg-deb -f "$deb" Description)" ] || zk_fail "no Description field"
depends=$(dpkg-deb -f "$deb" Depends)
# Computed by dpkg-shlibdeps from what the binaries link (libcap is not
# among them: capabilities are set with raw syscalls).
for lib in libc6 libstdc++6 libseccomp2 libmnl0 libnftnl11 libarchive13 libyaml-cpp0.7 libfmt9; do
  printf '%s\n' "$depends" | tr ',' '\n' | sed 's/^ *//; s/ .*//' | grep -qxF -- "$lib" ||
    zk_fail "Depends lacks $lib: $depends"
done

dpkg-deb -c "$deb" | awk '{print $6}' | sed 's|^\./|/|' >"$ZK_TMP/contents"
for f in /usr/bin/zoneadm /usr/bin/zonecfg /usr/bin/nicadm /usr/libexec/zonekit/zoneadmd /usr/libexec/zonekit/zkinit \
         /usr/share/man/man8/zoneadm.8 /usr/share/man/man1/zlogin.1 /usr/share/man/man5/zonekit.toml.5 \
         /usr/share/bash-completion/completions/zoneadm /usr/share/zsh/site-functions/_zoneadm \
         /usr/share/fish/vendor_completions.d/zoneadm.fish /usr/lib/systemd/system/zonekit-autoboot.service; do
  grep -qx -- "$f" "$ZK_TMP/contents" || zk_fail "package lacks $f"
done
if [ -f "$ZK_SOURCE/core/manifest/docs.hpp" ]; then
  grep -qx /usr/share/man/man5/zone-manifest.5 "$ZK_TMP/contents" || zk_fail "package lacks zone-manifest.5"
fi

# The files must not exist before we install (else removal would take them).
while read -r f; do
  [ -d "$f" ] && continue
  [ -e "$f" ] && zk_fail "$f exists before the package is installed"
done <"$ZK_TMP/contents"

installed=1
dpkg -i "$deb" >"$ZK_TMP/dpkg.log" 2>&1 || { cat "$ZK_TMP/dpkg.log" >&2; zk_fail "dpkg -i failed"; }
expect_eq "$(/usr/bin/zoneadm --version)" "zoneadm (zonekit) $version" "zoneadm --version"
expect_eq "$(man -w zoneadm)" /usr/share/man/man8/zoneadm.8 "man -w zoneadm"
expect_eq "$(man -w 5 zonekit.toml)" /usr/share/man/man5/zonekit.toml.5 "man -w zonekit.toml"
expect_contains /usr/lib/systemd/system/zonekit-autoboot.service "ExecStart=/usr/bin/zoneadm boot --autoboot"
dpkg -L zonekit >"$ZK_TMP/listed"

dpkg -r zonekit >"$ZK_TMP/dpkg.log" 2>&1 || { cat "$ZK_TMP/dpkg.log" >&2; zk_fail "dpkg -r failed"; }
installed=0
while read -r f; do
  [ -d "$f" ] && continue
  [ -e "$f" ] && zk_fail "$f is left after dpkg -r"
done <"$ZK_TMP/listed"
dpkg-query -W -f='${Status}\n' zonekit 2>/dev/null | grep -q "not-installed\|config-files\|deinstall" ||
  ! dpkg-query -W zonekit >/dev/null 2>&1 || zk_fail "zonekit is still installed"
true
