#!/usr/bin/env bash
# Install zonekit's build and test dependencies from Debian, idempotently.
set -euo pipefail
pkgs=(
  build-essential cmake ninja-build pkg-config
  libcli11-dev libyaml-cpp-dev libfmt-dev libtoml11-dev doctest-dev nlohmann-json3-dev
  libseccomp-dev libcap-dev libsystemd-dev libmnl-dev libnftnl-dev libarchive-dev libcurl4-openssl-dev
  busybox-static jq iproute2 iputils-ping nftables util-linux procps
  mandoc man-db bash-completion zsh fish dpkg-dev file
  e2fsprogs xfsprogs quota python3 python3-prometheus-client openssl
  ansible-core pylint pycodestyle yamllint python3-voluptuous
)
# scripts/vm-test.sh --systemd: the guest boots this host's root (read-only)
# with Debian's systemd as its pid 1, so its files must be here; this
# host's own boot is not changed (no systemd-sysv: its init stays).
if [ "${1:-}" = --vm-systemd ]; then pkgs=(systemd dbus); fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
