#!/usr/bin/env bash
# mail_throughput.sh - side-by-side throughput benchmark for `sekisho mail`.
#
# Runs, each pinned to one core (taskset -c 0), over every file in CORPUS_DIR:
#   (a) bench/baseline_mail.py  - Python email + html2text baseline
#   (b) build/bench/gmime_parse - GMime 3 parse + decode only (built here)
#   (c) build/sekisho mail      - one process for all files (if built), with
#       attachments = remove like the baseline; then again with the default
#       policy (attachments rebuilt) for information (SKIP_ATTACHMENTS=1: not)
# and prints wall time, msg/s and the ratios
#   sekisho/baseline speed (target >= 30x), sekisho/gmime-parse time (target <= 1.4).
#
# Usage: bench/mail_throughput.sh [CORPUS_DIR]   (default ../shared/corpus/bench/msgs)
# PYTHON overrides the interpreter (default /usr/bin/python3, which has html2text).
# RUNS (default 3): each tool runs that many times and its fastest run counts.
# Outputs go to a tmpfs (/dev/shm) when there is one, so that every tool is
# measured rather than the disk's file-creation cost (on this machine's ext4
# with discard, creating 5,000 files costs about a second by itself).
set -eu
cd "$(dirname "$0")/.."

corpus=${1:-../shared/corpus/bench/msgs}
python=${PYTHON:-/usr/bin/python3}
if [ ! -d "$corpus" ]; then
	echo "skipped: corpus not found ($corpus)"
	exit 0
fi
shopt -s nullglob
LC_ALL=C
files=("$corpus"/*)
n=${#files[@]}
[ "$n" -gt 0 ] || { echo "skipped: corpus $corpus is empty"; exit 0; }

mkdir -p build/bench
cc -O2 -o build/bench/gmime_parse bench/gmime_parse.c $(pkg-config --cflags --libs gmime-3.0)

runs=${RUNS:-3}
tmp=$(mktemp -d -p /dev/shm 2>/dev/null || mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat "${files[@]}" > /dev/null  # warm the page cache

declare -A secs rcs
run() {  # run NAME CMD... : best wall time of RUNS runs of CMD pinned to core 0
	local name=$1 t0 t1 rc=0 i s
	shift
	for i in $(seq "$runs"); do
		rm -rf "$tmp/baseline" "$tmp/sekisho" "$tmp/receipts"
		mkdir -p "$tmp/baseline" "$tmp/sekisho" "$tmp/receipts"
		rc=0
		t0=$(date +%s.%N)
		taskset -c 0 "$@" > "$tmp/$name.out" 2> "$tmp/$name.err" || rc=$?
		t1=$(date +%s.%N)
		s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
		if [ -z "${secs[$name]:-}" ] || awk -v a="$s" -v b="${secs[$name]}" 'BEGIN { exit !(a < b) }'; then
			secs[$name]=$s
		fi
		rcs[$name]=$rc
	done
}

names=(baseline gmime-parse)
run baseline "$python" bench/baseline_mail.py --out-dir "$tmp/baseline" "${files[@]}"
run gmime-parse build/bench/gmime_parse "${files[@]}"
if [ -x build/sekisho ]; then
	# Like for like: the baseline drops attachments, so sekisho's ratio is
	# measured with attachments = remove.  The default policy (attachments
	# rebuilt: images re-encoded, PDFs rasterised, Office rebuilt, legacy
	# Office through LibreOffice) is timed on its own line, for information.
	printf 'attachments = remove\n' > "$tmp/remove.conf"
	names+=(sekisho)
	run sekisho build/sekisho mail -c "$tmp/remove.conf" --out-dir "$tmp/sekisho" \
	    --receipt-dir "$tmp/receipts" "${files[@]}"
	if [ -z "${SKIP_ATTACHMENTS:-}" ]; then
		names+=(sekisho+files)
		run sekisho+files build/sekisho mail --out-dir "$tmp/sekisho" \
		    --receipt-dir "$tmp/receipts" "${files[@]}"
	fi
fi

echo "corpus: $corpus ($n messages), one core (taskset -c 0), wall time"
printf '%-14s %9s %9s %10s %4s\n' tool messages seconds msg/s exit
for name in "${names[@]}"; do
	awk -v t="${name}" -v n="$n" -v s="${secs[$name]}" -v rc="${rcs[$name]}" \
		'BEGIN { printf "%-14s %9d %9.3f %10.1f %4d\n", t, n, s, n / s, rc }'
done
awk -v b="${secs[baseline]}" -v g="${secs[gmime-parse]}" \
	'BEGIN { printf "gmime-parse/baseline speed: %.1fx\n", b / g }'
if [ -n "${secs[sekisho]:-}" ]; then
	awk -v b="${secs[baseline]}" -v g="${secs[gmime-parse]}" -v s="${secs[sekisho]}" 'BEGIN {
		printf "sekisho/baseline speed:     %.1fx (target >= 30x)\n", b / s
		printf "sekisho/gmime-parse time:   %.2f (target <= 1.4)\n", s / g }'
else
	echo "build/sekisho not found: ran only the baseline and gmime-parse"
fi

echo "--- tool reports (last stderr lines) ---"
for name in "${names[@]}"; do
	grep -v '^withheld ' "$tmp/$name.err" | tail -n 3 | sed "s/^/[$name] /" || true
done
grep '^withheld ' "$tmp/baseline.err" | sed 's/^/[baseline] /' || true
