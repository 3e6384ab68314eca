#!/usr/bin/env bash
# imgadm import -: a tarball on standard input (gzip, plain, an OCI layout
# tarball) is imported as it streams in, with memory that does not grow
# with the stream; a terminal on stdin and a missing --name are usage
# errors (2) that name the problem and what to do; --sha256 and --max-size
# apply to the stream as to a file.
. "$(dirname "$0")/../lib/harness.sh"
. "$ZK_SOURCE/tests/lib/mkimage.sh"
[ -x /bin/busybox ] || { echo "SKIP: busybox-static not installed" >&2; exit 77; }
command -v script >/dev/null || { echo "SKIP: script (util-linux) not installed" >&2; exit 77; }

W=$ZK_TMP/work
mkdir -p "$W"
mkimage_rootfs "$W/rootfs"
mkimage_targz "$W/rootfs" "$W/busybox.tar.gz"
mkimage_oci "$W/rootfs" "$W/oci" busybox:1.36 >/dev/null
tar -C "$W/oci" -cf "$W/oci.tar" .
echo plain >"$W/rootfs/etc/variant"
tar --numeric-owner -C "$W/rootfs" -cf "$W/plain.tar" .

# --- from a pipe ------------------------------------------------------------------------------
cat "$W/busybox.tar.gz" | imgadm import - --name bb --version gz >"$W/out" 2>"$W/err" || zk_fail "gzip from a pipe: $(cat "$W/err")"
U1=$(cat "$W/out")
[ ! -s "$W/err" ] || zk_fail "stderr: $(cat "$W/err")"
expect_eq "$(cd "$ZONEKIT_ROOT/images/$U1/rootfs" && find . | sort | md5sum)" "$(cd "$W/rootfs" && find . ! -name variant | sort | md5sum)" "rootfs from a pipe"
expect_rc 0 imgadm list -H -p -o uuid,name,version,type,source,source_digest
expect_eq "$(cat "$ZK_TMP/out")" "$U1:bb:gz:tar:-:sha256\\:$(sha256sum "$W/busybox.tar.gz" | cut -d' ' -f1)" "image from a pipe"

cat "$W/plain.tar" | imgadm import - --name bb --version plain --sha256 "$(sha256sum "$W/plain.tar" | cut -d' ' -f1)" >"$W/out" 2>"$W/err" ||
  zk_fail "plain tar from a pipe: $(cat "$W/err")"
expect_eq "$(cat "$ZONEKIT_ROOT/images/$(cat "$W/out")/rootfs/etc/variant")" plain "plain tar from a pipe"

cat "$W/oci.tar" | imgadm import - --name bb --version oci >"$W/out" 2>"$W/err" || zk_fail "OCI tarball from a pipe: $(cat "$W/err")"
UO=$(cat "$W/out")
expect_eq "$(cat "$ZONEKIT_ROOT/images/$UO/rootfs/etc/motd")" "welcome to a zonekit image" "OCI layer 2 from a pipe"
expect_rc 0 imgadm get "$UO"
expect_contains "$ZK_TMP/out" '"type": "oci"'

# --sha256 and --max-size on a stream: nothing imported.
before=$(ls -A "$ZONEKIT_ROOT/images" | sort | tr '\n' ' ')
bad=$(printf nope | sha256sum | cut -d' ' -f1)
echo extra >"$W/rootfs/etc/variant"
mkimage_targz "$W/rootfs" "$W/new.tar.gz"
rc=0
imgadm import - --name new --sha256 "$bad" <"$W/new.tar.gz" >"$W/out" 2>"$W/err" || rc=$?
expect_eq "$rc" 1 "sha256 mismatch on stdin"
expect_eq "$(cat "$W/err")" "imgadm: import -: content has sha256 $(sha256sum "$W/new.tar.gz" | cut -d' ' -f1), not the expected $bad (--sha256); nothing was imported" "stdin mismatch"
rc=0
cat "$W/new.tar.gz" | imgadm import - --name new --max-size 64K >"$W/out" 2>"$W/err" || rc=$?
expect_eq "$rc" 1 "oversize stdin"
expect_eq "$(cat "$W/err")" "imgadm: import -: standard input: larger than the 64.0K limit; raise --max-size" "stdin too large"
expect_eq "$(ls -A "$ZONEKIT_ROOT/images" | sort | tr '\n' ' ')" "$before" "store after failed stream imports"

# --- usage errors -----------------------------------------------------------------------------
rc=0
script -qec "imgadm import - --name bb" /dev/null >"$W/tty.out" 2>&1 </dev/null || rc=$?
expect_eq "$rc" 2 "terminal on stdin"
expect_eq "$(tr -d '\r' <"$W/tty.out")" "imgadm: import -: standard input is a terminal; pipe a tarball into it (imgadm import - --name NAME < image.tar.gz)" "terminal message"
rc=0
imgadm import - <"$W/busybox.tar.gz" >"$W/out" 2>"$W/err" || rc=$?
expect_eq "$rc" 2 "stdin without --name"
expect_eq "$(cat "$W/err")" "imgadm: import -: standard input has no file name to name the image after; give --name" "no name message"

# --- streamed, not buffered: memory stays flat while 192 MiB go through ------------------------
head -c 192M /dev/urandom >"$W/big.bin"
tar -C "$W" -cf "$W/big.tar" big.bin
rm -f "$W/big.bin"
mkfifo "$W/fifo"
imgadm import - --name big <"$W/fifo" >"$W/out" 2>"$W/err" &
pid=$!
exec 3>"$W/fifo"
cat "$W/big.tar" >&3
# The whole tarball is in; imgadm now waits for the end of the stream.
for _ in $(seq 200); do
  rchar=$(sed -n 's/^rchar: //p' "/proc/$pid/io" 2>/dev/null || echo 0)
  [ "${rchar:-0}" -ge "$(stat -c %s "$W/big.tar")" ] && break
  sleep 0.05
done
hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$pid/status")
exec 3>&-
wait "$pid" || zk_fail "import of the big stream failed: $(cat "$W/err")"
echo "note: peak RSS of imgadm importing a 192 MiB stream: $((hwm / 1024)) MiB" >&2
[ "$hwm" -lt $((48 << 10)) ] || zk_fail "imgadm used $((hwm / 1024)) MiB for a 192 MiB stream: buffered?"
cmp "$ZONEKIT_ROOT/images/$(cat "$W/out")/rootfs/big.bin" <(tar -xOf "$W/big.tar" big.bin) || zk_fail "big.bin differs"
