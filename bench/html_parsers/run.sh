#!/bin/bash
# Build compare.c, extract the HTML parts of the shared corpus, and measure
# gumbo, libxml2 (push SAX and tree) and tidy.  Everything runs one process
# at a time (the machine has 2 cores).
#
# usage: bench/html_parsers/run.sh [ITER]        (default ITER=10)
#   env: OUT=/tmp/htmlparts        extracted HTML (from extract.py)
#        RES=/tmp/html_parsers_results   binary, logs, rendered text
#        TMO=10                    seconds allowed per hostile file
#        VMEM_KB=4000000           address-space cap (ulimit -v) per hostile run
# needs: apt-get install gcc libgumbo-dev libxml2-dev libtidy-dev python3
set -u
here=$(cd "$(dirname "$0")" && pwd)
ITER=${1:-10}
OUT=${OUT:-/tmp/htmlparts}
RES=${RES:-/tmp/html_parsers_results}
TMO=${TMO:-10}
VMEM_KB=${VMEM_KB:-4000000}
BIN=$RES/compare
PARSERS="gumbo gumbo-E0 lxsax lxtree tidy"
# label -> compare.c switches
args_for() {
    case $1 in
        gumbo-E0) echo "-p gumbo -E 0" ;;    # GumboOptions.max_errors = 0
        lxtree+H) echo "-p lxtree -H" ;;     # libxml2 tree with XML_PARSE_HUGE
        *) echo "-p $1" ;;
    esac
}
mkdir -p "$RES/render"

for h in /usr/include/gumbo.h /usr/include/libxml2/libxml/HTMLparser.h /usr/include/tidy/tidy.h; do
    [ -f "$h" ] || { echo "missing $h: apt-get install libgumbo-dev libxml2-dev libtidy-dev" >&2; exit 2; }
done
[ -x /usr/bin/time ] || { echo "missing /usr/bin/time: apt-get install time" >&2; exit 2; }

echo "## versions"
echo "gumbo $(dpkg-query -W -f='${Version}' libgumbo1 2>/dev/null), libxml2 $(xml2-config --version)," \
     "tidy $(dpkg-query -W -f='${Version}' 'libtidy5deb1' 2>/dev/null), gcc $(gcc -dumpversion)"

gcc -O2 -g -Wall -Wextra -o "$BIN" "$here/compare.c" $(xml2-config --cflags) \
    -lgumbo -ltidy $(xml2-config --libs) || exit 1

python3 "$here/extract.py" --out "$OUT" || exit 1
ls "$OUT"/*.html > "$RES/raw.list"
ls "$OUT"/utf8/*.html > "$RES/utf8.list"

field() { tr '\t' '\n' | sed -n "s/^$1=//p"; }

echo
echo "## corpus throughput ($ITER iterations; peak RSS from /usr/bin/time, one process per parser)"
echo
echo "| input | parser | total s | MB/s | best-iteration MB/s | rendered text bytes | elements | max depth | peak RSS MB |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|"
for set in utf8 raw; do
    for p in $PARSERS; do
        flag=""
        [ "$set" = utf8 ] && flag="-u"
        /usr/bin/time -f '%M' -o "$RES/time.tmp" "$BIN" $flag $(args_for "$p") -n "$ITER" -f "$RES/$set.list" \
            > "$RES/line.tmp" 2>"$RES/err.tmp"
        rc=$?
        l=$(cat "$RES/line.tmp")
        printf '| %s | %s | %s | %s | %s | %s | %s | %s | %.1f |%s\n' "$set" "$p" \
            "$(echo "$l" | field secs)" "$(echo "$l" | field MBps)" "$(echo "$l" | field bestMBps)" \
            "$(echo "$l" | field out)" \
            "$(echo "$l" | field elements)" "$(echo "$l" | field maxdepth)" \
            "$(echo "scale=1; $(tail -1 "$RES/time.tmp") / 1024" | bc 2>/dev/null || echo 0)" \
            "$([ $rc = 0 ] || echo " exit $rc")"
    done
done

# one hostile run: prints a table row (file label, parser label, file path)
hostile_row() {
    local name=$1 p=$2 f=$3 rc l res secs rss
    ( ulimit -v "$VMEM_KB"; exec timeout "$TMO" /usr/bin/time -f '%e %M' -o "$RES/time.tmp" \
        "$BIN" -u $(args_for "$p") "$f" ) > "$RES/line.tmp" 2>"$RES/err.tmp"
    rc=$?
    l=$(cat "$RES/line.tmp")
    case $rc in
        0) res=ok ;;
        124) res="TIMEOUT >${TMO}s" ;;
        *) if [ $rc -gt 128 ]; then res="CRASH signal $((rc - 128))"; else res="exit $rc"; fi
           grep -q 'Command terminated by signal' "$RES/time.tmp" 2>/dev/null &&
               res="CRASH ($(grep -o 'signal [0-9]*' "$RES/time.tmp"))" ;;
    esac
    if [ $rc = 0 ]; then
        read -r secs rss < <(tail -1 "$RES/time.tmp")
        printf '| %s | %s | %s | %s | %.1f | %s | %s | %s |\n' "$name" "$p" "$res" \
            "$secs" "$(echo "scale=1; $rss / 1024" | bc)" "$(echo "$l" | field elements)" \
            "$(echo "$l" | field maxdepth)" "$(echo "$l" | field out)"
    else
        printf '| %s | %s | %s | | | | | |\n' "$name" "$p" "$res"
    fi
}

echo
echo "## hostile inputs (timeout ${TMO}s, ulimit -v ${VMEM_KB} kB each; -u; gumbo-E0 = max_errors 0; lxtree+H = XML_PARSE_HUGE)"
echo
echo "| file | parser | result | s | peak RSS MB | elements | max depth | text bytes |"
echo "|---|---|---|---:|---:|---:|---:|---:|"
for f in "$OUT"/hostile/*.html; do
    for p in $PARSERS lxtree+H; do
        hostile_row "$(basename "$f" .html)" "$p" "$f"
    done
done

echo
echo "## scaling: nesting depth (N nested <div>) and truncated mail (N unclosed <b>x, no end tags)"
echo
echo "| file | parser | result | s | peak RSS MB | elements | max depth | text bytes |"
echo "|---|---|---|---:|---:|---:|---:|---:|"
mkdir -p "$RES/scale"
python3 - "$RES/scale" <<'PY'
import sys
d = sys.argv[1]
H = b'<html><body>'
for n in (5000, 10000, 20000, 40000):
    open('%s/div_%d.html' % (d, n), 'wb').write(H + b'<div>' * n + b'deep' + b'</div>' * n)
    open('%s/b_%d.html' % (d, n), 'wb').write(H + b'<b>x' * n)
PY
for k in div_5000 div_10000 div_20000 div_40000 b_5000 b_10000 b_20000 b_40000; do
    for p in gumbo gumbo-E0 lxsax tidy lxtree+H; do
        hostile_row "$k" "$p" "$RES/scale/$k.html"
    done
done

echo
echo "## rendered-text agreement on the UTF-8 corpus (whitespace collapsed)"
echo
for p in gumbo lxsax lxtree tidy; do
    "$BIN" -u -t -p "$p" -f "$RES/utf8.list" > "$RES/render/$p.txt"
done
python3 "$here/agree.py" "$RES/render"
echo
echo "results and rendered text: $RES"
