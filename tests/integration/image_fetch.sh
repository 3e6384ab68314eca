#!/usr/bin/env bash
# imgadm import of URLs, from a web server on 127.0.0.1 of the test's own
# network namespace (tests/lib/httpd.py; https with a CA made here): fetch
# and import with --cacert, SSL_CERT_FILE and CURL_CA_BUNDLE; an untrusted
# certificate; --sha256 verified (a mismatch imports nothing); 404; a
# stalled server (--timeout); too large (announced, and streamed without a
# length); redirects (followed, at most 5, never https -> http); http only
# with --sha256; unknown schemes; credentials and query kept out of the
# store; the progress line on a terminal. After every failure the store is
# byte for byte what it was.
. "$(dirname "$0")/../lib/harness.sh"
. "$ZK_SOURCE/tests/lib/mkimage.sh"
. "$ZK_SOURCE/tests/lib/store_snapshot.sh"
[ -x /bin/busybox ] || { echo "SKIP: busybox-static not installed" >&2; exit 77; }
for t in python3 openssl script; do
  command -v "$t" >/dev/null || { echo "SKIP: $t not installed (scripts/install-deps.sh)" >&2; exit 77; }
done
# Only the server this test starts is ever a target.
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy no_proxy NO_PROXY CURL_CA_BUNDLE SSL_CERT_FILE

W=$ZK_TMP/work
mkdir -p "$W/srv"
mkimage_rootfs "$W/rootfs"
mkimage_targz "$W/rootfs" "$W/srv/busybox.tar.gz"
echo b >"$W/rootfs/etc/variant"
mkimage_targz "$W/rootfs" "$W/srv/busybox-b.tar.gz"
sum=$(sha256sum "$W/srv/busybox.tar.gz" | cut -d' ' -f1)
sumb=$(sha256sum "$W/srv/busybox-b.tar.gz" | cut -d' ' -f1)
sizeb=$(stat -c %s "$W/srv/busybox-b.tar.gz")
# human BYTES: as imgadm prints sizes (1.5K, 12.3M)
human() { awk -v b="$1" 'BEGIN { if (b < 1024) { print b "B"; exit } u = "KMGTP"; v = b / 1024; i = 1
  while (v >= 1024 && i < 5) { v /= 1024; i++ }; printf "%.1f%s\n", v, substr(u, i, 1) }'; }

# A throwaway CA and a certificate for 127.0.0.1 signed by it.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 -subj /CN=zonekit-test-ca \
  -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign \
  -keyout "$W/ca.key" -out "$W/ca.pem" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj /CN=127.0.0.1 \
  -keyout "$W/srv.key" -out "$W/srv.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >"$W/srv.ext"
openssl x509 -req -in "$W/srv.csr" -CA "$W/ca.pem" -CAkey "$W/ca.key" -CAcreateserial -days 1 \
  -extfile "$W/srv.ext" -out "$W/srv.pem" 2>/dev/null

python3 "$ZK_SOURCE/tests/lib/httpd.py" "$W/srv" "$W/ports" "$W/srv.pem" "$W/srv.key" &
HTTPD=$!
stop_httpd() { kill "$HTTPD" 2>/dev/null; wait "$HTTPD" 2>/dev/null; }
ZK_EXTRA_CLEANUP=stop_httpd
for _ in $(seq 100); do [ -s "$W/ports" ] && break; sleep 0.1; done
read -r HP SP <"$W/ports" || zk_fail "the test server did not start"
S=https://127.0.0.1:$SP
H=http://127.0.0.1:$HP

# --- fetch and import -----------------------------------------------------------------
expect_rc 0 imgadm import "$S/busybox.tar.gz" --cacert "$W/ca.pem" --sha256 "$sum" --version 1.36
U1=$(cat "$ZK_TMP/out")
[ ! -s "$ZK_TMP/err" ] || zk_fail "import wrote to stderr without a tty: $(cat "$ZK_TMP/err")"
expect_rc 0 imgadm list -H -p -o uuid,name,version,type,source,source_digest
expect_eq "$(cat "$ZK_TMP/out")" "$U1:busybox:1.36:tar:https\\://127.0.0.1\\:$SP/busybox.tar.gz:sha256\\:$sum" "image from https"
R1=$ZONEKIT_ROOT/images/$U1/rootfs
expect_eq "$(cd "$R1" && find . | sort | md5sum)" "$(cd "$W/rootfs" && find . ! -name variant | sort | md5sum)" "rootfs listing"
expect_eq "$(chroot "$R1" /bin/sh -c 'echo $(head -1 /etc/os-release)')" "ID=zonekit-busybox" "chroot run"

snap() { store_snapshot "$ZONEKIT_ROOT"; }
before=$(snap)
unchanged() { expect_eq "$(snap)" "$before" "store after: $1"; }

# --- failures: each names the problem and what to do, and changes nothing -------------
expect_rc 1 imgadm import "$S/busybox-b.tar.gz"
expect_contains "$ZK_TMP/err" "imgadm: import $S/busybox-b.tar.gz: server certificate not trusted (SSL certificate problem:"
expect_contains "$ZK_TMP/err" "); give its CA with --cacert FILE"
unchanged "untrusted certificate"

bad=$(printf nope | sha256sum | cut -d' ' -f1)
expect_rc 1 imgadm import "$S/busybox-b.tar.gz" --cacert "$W/ca.pem" --sha256 "$bad"
expect_eq "$(cat "$ZK_TMP/err")" "imgadm: import $S/busybox-b.tar.gz: content has sha256 $sumb, not the expected $bad (--sha256); nothing was imported" "sha256 mismatch"
unchanged "sha256 mismatch"

expect_rc 1 imgadm import "$S/nope.tar.gz" --cacert "$W/ca.pem"
expect_eq "$(cat "$ZK_TMP/err")" "imgadm: import $S/nope.tar.gz: server answered HTTP 404; check the URL" "404"
unchanged "404"

# Where a redirect led is named, without credentials or query.
expect_rc 1 imgadm import "https://user:s3cret@127.0.0.1:$SP/redirect/1/nope.tar.gz?token=t0ken" --cacert "$W/ca.pem"
expect_eq "$(cat "$ZK_TMP/err")" "imgadm: import $S/redirect/1/nope.tar.gz: server answered HTTP 404; check the URL (after redirects, at $S/nope.tar.gz)" "404 after a redirect"
unchanged "404 after a redirect"

t0=$(date +%s%N)
expect_rc 1 imgadm import "$S/stall/busybox-b.tar.gz" --cacert "$W/ca.pem" --timeout 2
ms=$((($(date +%s%N) - t0) / 1000000))
expect_eq "$(cat "$ZK_TMP/err")" "imgadm: import $S/stall/busybox-b.tar.gz: download stalled: nothing received for 2 s; try again, or raise --timeout" "stall"
[ "$ms" -lt 5000 ] || zk_fail "a 2 s stall timeout took $ms ms"
echo "note: stalled download given up after $ms ms (--timeout 2)" >&2
unchanged "stall"

expect_rc 1 imgadm import "$S/busybox-b.tar.gz" --cacert "$W/ca.pem" --max-size 100K
expect_eq "$(cat "$ZK_TMP/err")" "imgadm: import $S/busybox-b.tar.gz: download: the server announces $(human "$sizeb"), more than the 100.0K limit; raise --max-size" "oversize"
unchanged "oversize, announced"

expect_rc 1 imgadm import "$S/chunked/busybox-b.tar.gz" --cacert "$W/ca.pem" --max-size 100K
expect_eq "$(cat "$ZK_TMP/err")" "imgadm: import $S/chunked/busybox-b.tar.gz: download: larger than the 100.0K limit; raise --max-size" "oversize, streamed"
unchanged "oversize, streamed"

expect_rc 1 imgadm import "$S/redirect/6/busybox-b.tar.gz" --cacert "$W/ca.pem"
expect_eq "$(cat "$ZK_TMP/err")" "imgadm: import $S/redirect/6/busybox-b.tar.gz: more than 5 redirects" "redirect loop"
unchanged "redirects"

expect_rc 1 imgadm import "$S/to-http/busybox-b.tar.gz" --cacert "$W/ca.pem"
expect_contains "$ZK_TMP/err" "imgadm: import $S/to-http/busybox-b.tar.gz: redirected to a URL imgadm does not fetch ("
expect_contains "$ZK_TMP/err" "); https:// redirects only to https://"
unchanged "https to http"

expect_rc 1 imgadm import "https://127.0.0.1:1/busybox.tar.gz" --cacert "$W/ca.pem"
expect_contains "$ZK_TMP/err" "imgadm: import https://127.0.0.1:1/busybox.tar.gz: download failed: "
unchanged "connection refused"

# Usage errors (2), before anything is fetched.
expect_rc 2 imgadm import "$H/busybox-b.tar.gz"
expect_eq "$(cat "$ZK_TMP/err")" "imgadm: import $H/busybox-b.tar.gz: plain http:// is fetched only with --sha256 (nothing else would notice a changed download); use https:// or give --sha256" "http without sha256"
for u in ftp://127.0.0.1/busybox.tar.gz s3://bucket/busybox.tar.gz gopher://127.0.0.1/x; do
  expect_rc 2 imgadm import "$u"
  expect_eq "$(cat "$ZK_TMP/err")" "imgadm: import $u: cannot fetch ${u%%://*}:// URLs; imgadm fetches https:// (and http:// with --sha256), or give a file, a directory or '-' for standard input" "$u"
done
expect_rc 2 imgadm import "file://$W/srv/busybox.tar.gz"
expect_eq "$(cat "$ZK_TMP/err")" "imgadm: import file://$W/srv/busybox.tar.gz: file:// URLs are not fetched; give the file's path" "file://"
expect_rc 2 imgadm import "$S/busybox-b.tar.gz" --sha256 1234
expect_eq "$(cat "$ZK_TMP/err")" "imgadm: import $S/busybox-b.tar.gz: --sha256 '1234' is not 64 hex digits" "short sha256"
expect_rc 2 imgadm import "$S/busybox-b.tar.gz" --max-size 10X
expect_eq "$(cat "$ZK_TMP/err")" "imgadm: import: --max-size: size '10X' is not a number of bytes with an optional K, M, G or T (powers of 1024)" "bad size"
expect_rc 2 imgadm import "$S/busybox-b.tar.gz" --cacert "$W/missing.pem"
expect_eq "$(cat "$ZK_TMP/err")" "imgadm: import $S/busybox-b.tar.gz: --cacert $W/missing.pem: No such file or directory" "missing CA file"
unchanged "usage errors"

# --- the same image again: found, not imported twice ------------------------------------
# Through redirects, and trusting the CA from the environment.
SSL_CERT_FILE=$W/ca.pem expect_rc 0 imgadm import "$S/redirect/2/busybox.tar.gz"
expect_eq "$(cat "$ZK_TMP/out")" "$U1" "same image through redirects"
expect_eq "$(cat "$ZK_TMP/err")" "imgadm: $S/redirect/2/busybox.tar.gz: already imported as $U1 (busybox 1.36)" "already imported"
CURL_CA_BUNDLE=$W/ca.pem expect_rc 0 imgadm import "$S/chunked/busybox.tar.gz"
expect_eq "$(cat "$ZK_TMP/out")" "$U1" "same image, chunked"
# With --sha256 of an image in the store nothing is fetched (this URL is a 404).
expect_rc 0 imgadm import "$S/nope.tar.gz" --sha256 "$sum"
expect_eq "$(cat "$ZK_TMP/out")" "$U1" "known sha256"
unchanged "already imported"

# --- http with --sha256; credentials and query stay out of the store ---------------------
expect_rc 0 imgadm import "http://user:s3cret@127.0.0.1:$HP/busybox-b.tar.gz?token=t0ken" --sha256 "$sumb" --version b
U2=$(cat "$ZK_TMP/out")
[ "$U2" != "$U1" ] || zk_fail "another tarball gave the same image"
expect_rc 0 imgadm get "$U2"
expect_contains "$ZK_TMP/out" "\"source\": \"$H/busybox-b.tar.gz\""
expect_contains "$ZK_TMP/out" "\"name\": \"busybox-b\""
! grep -rqs -e s3cret -e t0ken "$ZONEKIT_ROOT" || zk_fail "a credential reached the store"
expect_eq "$(cat "$ZONEKIT_ROOT/images/$U2/rootfs/etc/variant")" b "http image content"

# --- the progress line on a terminal ---------------------------------------------------------
imgadm delete "$U2"
rc=0
script -qec "imgadm import '$S/busybox-b.tar.gz' --cacert '$W/ca.pem' --sha256 $sumb" /dev/null >"$W/tty.out" 2>&1 || rc=$?
expect_eq "$rc" 0 "import on a terminal"
grep -q "imgadm: importing [0-9.]*[BKM] of $(human "$sizeb") ([0-9]*%)" "$W/tty.out" ||
  zk_fail "no progress line with the download's size: $(cat -v "$W/tty.out")"
expect_eq "$(imgadm list -H -o name | sort | tr '\n' ' ')" "busybox busybox-b " "images at the end"
