#!/usr/bin/env bash
# One source, one image: a second import of the same tarball (also under
# another file name, name or version, or from a pipe) prints the first
# image's uuid, says so on stderr, exits 0 and leaves the store byte for
# byte as it was, so `imgadm get NAME` stays unambiguous. Three imports of
# one tarball at once make one image. An import killed half way is never
# taken for the complete image: the next import of that source imports it.
. "$(dirname "$0")/../lib/harness.sh"
. "$ZK_SOURCE/tests/lib/mkimage.sh"
. "$ZK_SOURCE/tests/lib/store_snapshot.sh"
[ -x /bin/busybox ] || { echo "SKIP: busybox-static not installed" >&2; exit 77; }

W=$ZK_TMP/work
mkdir -p "$W"
mkimage_rootfs "$W/rootfs"
mkimage_targz "$W/rootfs" "$W/busybox.tar.gz"
oci_digest=$(mkimage_oci "$W/rootfs" "$W/oci" busybox:1.36)
tar -C "$W/oci" -cf "$W/oci.tar" .

# --- the same tarball twice ---------------------------------------------------------------
expect_rc 0 imgadm import "$W/busybox.tar.gz" --name busybox --version 1.35
U1=$(cat "$ZK_TMP/out")
before=$(store_snapshot "$ZONEKIT_ROOT")
expect_rc 0 imgadm import "$W/busybox.tar.gz" --name busybox --version 1.35
expect_eq "$(cat "$ZK_TMP/out")" "$U1" "second import prints the first uuid"
expect_eq "$(cat "$ZK_TMP/err")" "imgadm: $W/busybox.tar.gz: already imported as $U1 (busybox 1.35)" "second import note"
expect_eq "$(store_snapshot "$ZONEKIT_ROOT")" "$before" "store after the second import"
expect_rc 0 imgadm get busybox
expect_contains "$ZK_TMP/out" "\"uuid\": \"$U1\""

# Another file name, another --name: still that image, not renamed.
cp "$W/busybox.tar.gz" "$W/copy.tgz"
expect_rc 0 imgadm import "$W/copy.tgz" --name other --version 9
expect_eq "$(cat "$ZK_TMP/out")" "$U1" "copy under another name"
expect_eq "$(cat "$ZK_TMP/err")" "imgadm: $W/copy.tgz: already imported as $U1 (busybox 1.35); --name and --version do not rename it (delete it and import again for that)" "rename note"
# From a pipe.
expect_rc 0 imgadm import - --name busybox <"$W/busybox.tar.gz"
expect_eq "$(cat "$ZK_TMP/out")" "$U1" "same bytes on stdin"
expect_eq "$(cat "$ZK_TMP/err")" "imgadm: -: already imported as $U1 (busybox 1.35)" "stdin note"
expect_eq "$(store_snapshot "$ZONEKIT_ROOT")" "$before" "store after copies"

# An OCI layout and its tarball are one image (one manifest digest).
expect_rc 0 imgadm import "$W/oci"
U2=$(cat "$ZK_TMP/out")
expect_rc 0 imgadm import "$W/oci.tar"
expect_eq "$(cat "$ZK_TMP/out")" "$U2" "OCI tarball of the imported layout"
expect_eq "$(cat "$ZK_TMP/err")" "imgadm: $W/oci.tar: already imported as $U2 (busybox 1.36)" "OCI note"
expect_rc 0 imgadm list -H -p -o uuid,source_digest
expect_eq "$(cat "$ZK_TMP/out")" "$U1:sha256\\:$(sha256sum "$W/busybox.tar.gz" | cut -d' ' -f1)
$U2:${oci_digest/:/\\:}" "images"

# A plain directory has no digest: each import is a new image.
expect_rc 0 imgadm import "$W/rootfs" --name dir
D1=$(cat "$ZK_TMP/out")
expect_rc 0 imgadm import "$W/rootfs" --name dir2
[ "$(cat "$ZK_TMP/out")" != "$D1" ] || zk_fail "two directory imports gave one image"
imgadm delete dir
imgadm delete dir2

# --- three imports of one new tarball at once: one image --------------------------------------
echo concurrent >"$W/rootfs/etc/variant"
mkimage_targz "$W/rootfs" "$W/c.tar.gz"
pids=()
for i in 1 2 3; do
  imgadm import "$W/c.tar.gz" --name "par$i" >"$W/par$i.out" 2>"$W/par$i.err" &
  pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || zk_fail "a concurrent import failed: $(cat "$W"/par*.err)"; done
expect_eq "$(sort -u "$W"/par?.out | wc -l)" 1 "one uuid from three concurrent imports"
UC=$(cat "$W/par1.out")
expect_eq "$(cat "$W"/par?.err | grep -c "already imported as $UC (par")" 2 "two of three were told it is there"
expect_rc 0 imgadm list -H -p -o uuid
expect_eq "$(cat "$ZK_TMP/out")" "$U1
$U2
$UC" "images after the concurrent imports"
expect_eq "$(ls -A "$ZONEKIT_ROOT/images" | grep -vc -e '^\.lock$' -e '^[0-9a-f-]\{36\}$')" 0 "leftovers of concurrent imports"

# --- killed half way: no image, and the next import of that source makes it -------------------
head -c 64M /dev/urandom >"$W/big.bin"
tar -C "$W" -cf "$W/big.tar" big.bin
rm -f "$W/big.bin"
mkfifo "$W/fifo"
imgadm import - --name big <"$W/fifo" >/dev/null 2>&1 &
pid=$!
exec 3>"$W/fifo"
head -c 32M "$W/big.tar" >&3
# Wait until imgadm has read what was sent, then kill it mid-import.
for _ in $(seq 200); do
  rchar=$(sed -n 's/^rchar: //p' "/proc/$pid/io" 2>/dev/null || echo 0)
  [ "${rchar:-0}" -ge $((32 << 20)) ] && break
  sleep 0.05
done
[ "${rchar:-0}" -ge $((32 << 20)) ] || zk_fail "imgadm read only ${rchar:-0} bytes of the pipe"
ls -A "$ZONEKIT_ROOT/images" | grep -q '^\.incoming-' || zk_fail "no import in progress"
kill -KILL "$pid"
wait "$pid" 2>/dev/null || true
exec 3>&-
expect_rc 0 imgadm import "$W/big.tar" --name big
UB=$(cat "$ZK_TMP/out")
[ ! -s "$ZK_TMP/err" ] || zk_fail "the complete import was reported as known: $(cat "$ZK_TMP/err")"
cmp "$ZONEKIT_ROOT/images/$UB/rootfs/big.bin" <(tar -xOf "$W/big.tar" big.bin) || zk_fail "big.bin differs"
expect_eq "$(ls -A "$ZONEKIT_ROOT/images" | grep -c '^\.incoming-')" 0 "leftovers of the killed import"
expect_rc 0 imgadm import - --name big <"$W/big.tar"
expect_eq "$(cat "$ZK_TMP/out")" "$UB" "the complete image is found afterwards"
