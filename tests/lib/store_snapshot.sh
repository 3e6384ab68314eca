# store_snapshot DIR: a listing of every file and directory under DIR with
# type, mode, size and content hash, for byte-for-byte comparisons.
store_snapshot() {
  (cd "$1" && find . -printf '%y %m %s %p\n' | sort && \
    find . -type f -print0 | sort -z | xargs -0 -r sha256sum)
}
