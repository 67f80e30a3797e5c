#!/usr/bin/env bash
# ooxml_rebuild.sh - OOXML rebuild throughput (cdr_ooxml in process, many
# iterations) beside a baseline in the same run: a plain unzip + rezip of the
# same files with Python's zipfile (deflate), which parses no XML at all.
# Prints MB/s of input for both, the ratio, and the rebuilder's peak RSS.
# Usage: bench/ooxml_rebuild.sh [-b BUILDDIR] [-n ITERATIONS] [FILE...]
#   default files: tests/corpus/files/ooxml/* that are zips (withheld ones
#   are left out, so only rebuilds are timed).
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
build=$here/build iters=50
while getopts b:n: o; do
	case $o in b) build=$OPTARG ;; n) iters=$OPTARG ;; *) exit 2 ;; esac
done
shift $((OPTIND - 1))
tool=$build/sekisho-ooxmlcheck
[ -x "$tool" ] || { echo "build $tool first (ninja sekisho-ooxmlcheck)"; exit 2; }
[ $# -gt 0 ] || set -- "$here"/tests/corpus/files/ooxml/*
files=()
for f in "$@"; do
	[ "$("$tool" "$f" | cut -f2)" = ok ] && files+=("$f")
done
bytes=$(cat "${files[@]}" | wc -c)
echo "files: ${#files[@]}, $bytes bytes, $iters iterations each"
echo "--- sekisho cdr_ooxml (parse every XML part, rebuild, rezip)"
line=$("$tool" -n "$iters" "${files[@]}" | tail -1)
echo "$line"
ours=$(printf '%s' "$line" | cut -f4 | cut -d' ' -f1)
echo "--- baseline: python3 zipfile unzip + rezip (no XML parsing)"
base=$(python3 - "$iters" "${files[@]}" <<'PY'
import io, sys, time, zipfile, resource
n = int(sys.argv[1]); files = sys.argv[2:]
data = [open(f, "rb").read() for f in files]
t = time.perf_counter(); total = 0
for _ in range(n):
    for d in data:
        zin = zipfile.ZipFile(io.BytesIO(d)); out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
            for i in zin.infolist():
                if not i.filename.endswith("/"):
                    zout.writestr(i.filename, zin.read(i))
        total += len(d)
s = time.perf_counter() - t
print("%.2f" % (total / 1e6 / s))
print("bench\t%d bytes\t%.3f s\t%.2f MB/s\t%d KiB peak RSS" % (total, s, total / 1e6 / s,
      resource.getrusage(resource.RUSAGE_SELF).ru_maxrss), file=sys.stderr)
PY
)
echo "ratio sekisho/baseline: $(python3 -c "print('%.2f' % ($ours / $base))")  (sekisho $ours MB/s, zipfile $base MB/s)"
