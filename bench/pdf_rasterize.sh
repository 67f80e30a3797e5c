#!/bin/bash
# pdf_rasterize.sh - PDF rasterising throughput at one resolution, in one run:
#   (a) sekisho: cdr_pdf() in-process (sekisho-pdfcheck -m rasterize): render,
#       JPEG, new PDF, with the text layer (default) and without (-n);
#   (b) pdftoppm -r DPI -jpeg -jpegopt quality=Q, then img2pdf (same Q as sekisho);
#   (c) mutool draw -r DPI -o page%d.png, then img2pdf.
# Prints pages/second for each, the ratios sekisho/pdftoppm and
# sekisho/mutool, and peak RSS (/usr/bin/time -v).
#
# The machine is shared: each method runs ROUNDS times (default 3), the
# methods taking turns so a burst of someone else's load falls on all of
# them; seconds are the best and the median of the rounds (wall clock, ns).
#
# usage: [ROUNDS=N] [PDF_CHECK=BIN] bench/pdf_rasterize.sh [BUILD_DIR] [DPI]
# The PDFs (62 pages in 5 files) are read from the shared hostile corpus;
# without it the benchmark is skipped (exit 0).  Override with PDF_BENCH_FILES.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build}
dpi=${2:-150}
# JPEG quality for both sides: sekisho's default pdf_jpeg_quality (pdftoppm's
# own default would be 75, cheaper to encode than what sekisho writes)
quality=${PDF_JPEG_QUALITY:-85}
rounds=${ROUNDS:-3}
check=${PDF_CHECK:-$build/tests/sekisho-pdfcheck}	# PDF_CHECK: another build's, to compare
[ -x "$check" ] || { echo "pdf_rasterize: build $check first (ninja sekisho-pdfcheck)"; exit 2; }
for t in pdftoppm img2pdf mutool /usr/bin/time; do
	command -v $t >/dev/null || { echo "pdf_rasterize: SKIP: $t not installed"; exit 0; }
done
c=${SEKISHO_SHARED:-$here/../shared}/corpus/hostile
files=${PDF_BENCH_FILES:-"$c/qpdf/qtest/issue-202.pdf $c/tika/pdf/testPDF-TIKA-4444.pdf
    $c/pdfjs/active/standard_fonts.pdf $c/tika/pdf/testPDF_bad_page_303226.pdf
    $c/pdfjs/active/issue14847.pdf"}
files=$(echo $files)	# one line: it is pasted into the scripts below
for f in $files; do
	[ -f "$f" ] || { echo "pdf_rasterize: SKIP: $f is absent (shared corpus not here)"; exit 0; }
done
pages=0
for f in $files; do
	pages=$((pages + $(pdfinfo "$f" 2>/dev/null | awk '/^Pages:/ {print $2}')))
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# run NAME COMMAND...: one round; wall seconds appended to NAME.secs, the
# peak RSS (KiB) kept from /usr/bin/time
run() {
	local name=$1 t0 t1; shift
	t0=$(date +%s.%N)
	/usr/bin/time -v -o "$work/$name.time" "$@" >/dev/null 2>"$work/$name.err" ||
	    { echo "$name failed:"; cat "$work/$name.err"; exit 1; }
	t1=$(date +%s.%N)
	echo "$t1 - $t0" | bc -l >>"$work/$name.secs"
}
best() { sort -g "$work/$1.secs" | head -1; }
median() { sort -g "$work/$1.secs" | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
rss() { awk -F': ' '/Maximum resident set size/ {print $2}' "$work/$1.time"; }

cat >"$work/poppler.sh" <<EOS
set -e
for f in $files; do
	d=\$(mktemp -d -p "$work"); pdftoppm -r $dpi -jpeg -jpegopt quality=$quality "\$f" "\$d/p" 2>/dev/null || true
	img2pdf \$(ls "\$d"/p-*.jpg | sort -V) -o "\$d/out.pdf"; rm -rf "\$d"
done
EOS
cat >"$work/mutool.sh" <<EOS
set -e
for f in $files; do
	d=\$(mktemp -d -p "$work"); mutool draw -q -r $dpi -o "\$d/page%d.png" "\$f" 2>/dev/null || true	# bad pages: drawn blank
	img2pdf \$(ls "\$d"/page*.png | sort -V) -o "\$d/out.pdf"; rm -rf "\$d"
done
EOS
# one warm-up pass so every method reads the files from the page cache
cat $files >/dev/null
for i in $(seq "$rounds"); do
	run sekisho "$check" -m rasterize -r "$dpi" -q "$quality" $files
	run sekisho_notext "$check" -m rasterize -r "$dpi" -q "$quality" -n $files
	run pdftoppm bash "$work/poppler.sh"
	run mutool bash "$work/mutool.sh"
done

printf 'PDF rasterise at %s dpi: %d pages in %d files, best and median of %d rounds\n' \
    "$dpi" "$pages" "$(echo $files | wc -w)" "$rounds"
printf '%-34s %7s %7s %9s %9s %8s\n' method best median "pages/s" "(median)" "RSS MiB"
for m in sekisho sekisho_notext pdftoppm mutool; do
	s=$(best $m); md=$(median $m)
	case $m in
	sekisho) label="sekisho (in-process, text layer)";;
	sekisho_notext) label="sekisho (in-process, pixels only)";;
	pdftoppm) label="pdftoppm -jpeg + img2pdf";;
	mutool) label="mutool draw png + img2pdf";;
	esac
	printf '%-34s %7.3f %7.3f %9.2f %9.2f %8.1f\n' "$label" "$s" "$md" \
	    "$(echo "$pages / $s" | bc -l)" "$(echo "$pages / $md" | bc -l)" \
	    "$(echo "$(rss $m) / 1024" | bc -l)"
done
for o in pdftoppm mutool; do
	printf 'ratio sekisho/%-15s best %.2f, median %.2f (text layer); pixels only %.2f, %.2f\n' \
	    "$o+img2pdf:" "$(echo "$(best $o) / $(best sekisho)" | bc -l)" \
	    "$(echo "$(median $o) / $(median sekisho)" | bc -l)" \
	    "$(echo "$(best $o) / $(best sekisho_notext)" | bc -l)" \
	    "$(echo "$(median $o) / $(median sekisho_notext)" | bc -l)"
done
