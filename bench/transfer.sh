#!/usr/bin/env bash
# transfer.sh - files across the transfer folders (sekishod: watcher, spool,
# agents' workers, quarantine, journal, delivery into the user's folder)
# beside a baseline in the same run: `sekisho file --out-dir` over the same
# files, as many processes at once as sekishod has agents (the same
# sanitising, no daemon, no spool, no quarantine, no journal).  Prints
# files/s for both and the ratio (transfer / baseline), and the time from
# the drop to the first and to the last answer.  Needs root (sekishod
# switches to its users).
# Usage: bench/transfer.sh [-b BUILDDIR] [-w WORKERS] [-n COPIES] [FILE...]
#   default files: tests/corpus/files/** (each dropped COPIES times, default 3)
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
build=$here/build workers=2 copies=3
while getopts b:w:n: o; do
	case $o in b) build=$OPTARG ;; w) workers=$OPTARG ;; n) copies=$OPTARG ;; *) exit 2 ;; esac
done
shift $((OPTIND - 1))
[ "$(id -u)" -eq 0 ] || { echo "run as root (sekishod switches to its users)"; exit 2; }
[ -x "$build/sekishod" ] || { echo "build $build/sekishod first"; exit 2; }
if [ $# -eq 0 ]; then
	mapfile -t files < <(find "$here/tests/corpus/files" -type f ! -name SOURCES.md ! -name '*.json' | sort)
else
	files=("$@")
fi
tmp=$(mktemp -d)
chmod 755 "$tmp"
trap 'pkill -f "sekishod -c $tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
n=$(( ${#files[@]} * copies ))
bytes=$(( $(cat "${files[@]}" | wc -c) * copies ))
echo "files: $n ($copies copies of ${#files[@]}), $bytes bytes; $workers agents / processes"

now() { date +%s.%N; }
calc() { python3 -c "print($1)"; }

# ---- baseline: sekisho file, $workers processes at once
mkdir -p "$tmp/base/in" "$tmp/base/out"
i=0
for c in $(seq "$copies"); do
	for f in "${files[@]}"; do
		i=$((i + 1))
		cp "$f" "$tmp/base/in/$i-$(basename "$f")"
	done
done
t0=$(now)
find "$tmp/base/in" -type f -print0 | xargs -0 -P "$workers" -n 20 \
	"$build/sekisho" file --quiet --out-dir "$tmp/base/out" >/dev/null 2>&1 || true
t1=$(now)
base=$(calc "$n / ($t1 - $t0)")
printf -- '--- baseline: sekisho file --out-dir, %d processes: %.1f s, %.2f files/s\n' \
	"$workers" "$(calc "$t1 - $t0")" "$base"

# ---- sekishod's transfer folders
d=$tmp/d
mkdir -p "$d/in/u@town.example.lg.jp" "$d/out" "$d/stage"
cat >"$d/sekisho.conf" <<CONF
listen = 127.0.0.1:$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
metrics_listen =
spool_dir = $d/spool
deliver_to = maildir:$d/Maildir
journal = $d/journal.jsonl
quarantine_dir = $d/quarantine
quarantine_db = $d/quarantine.db
quarantine_key = $d/q.key
audit_key = $d/audit.key
workers = $workers
transfer_in_dir = $d/in
transfer_out_dir = $d/out
transfer_settle_seconds = 0
CONF
"$build/sekisho" quarantine keygen "$d/q.key" >/dev/null 2>&1
cp "$tmp/base/in/"* "$d/stage/"
chown -R sekisho:sekisho "$d"
"$build/sekishod" -c "$d/sekisho.conf" -f >"$d/log" 2>&1 &
for _ in $(seq 100); do
	[ -e "$d/quarantine.db" ] && break
	sleep 0.1
done
sleep 1
t0=$(now)
# one rename per file: the drop is instant, the watcher sees each once
for f in "$d/stage/"*; do mv "$f" "$d/in/u@town.example.lg.jp/"; done
first=
while :; do
	k=$(find "$d/out" -name '*.receipt.json' | wc -l)
	[ -z "$first" ] && [ "$k" -gt 0 ] && first=$(now)
	[ "$k" -ge "$n" ] && break
	sleep 0.05
done
t1=$(now)
ours=$(calc "$n / ($t1 - $t0)")
printf -- '--- sekishod transfer folders, %d agents: %.1f s, %.2f files/s (first answer after %.2f s)\n' \
	"$workers" "$(calc "$t1 - $t0")" "$ours" "$(calc "$first - $t0")"
printf 'ratio transfer/baseline: %.2f\n' "$(calc "$ours / $base")"
