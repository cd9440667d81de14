#!/bin/sh
# plot.sh - draws a sweep's table (make sweep) as an SVG or PNG with gnuplot.
#   usage: plot.sh DATA PLOT.svg|PLOT.png [SHOWN]
# SHOWN: how to name PLOT when saying where it went (the path as typed,
# where PLOT is the same path made absolute).
#
# DATA is what a lab's sweep writes: "# key: value" lines, then one block
# per curve, its name in double quotes on its first line, then "x y" rows,
# blocks apart by two blank lines (gnuplot's `index`):
#   # title: Lab 04: ...          # xlabel: workers     # ylabel: speedup
#   # cpus: 2       the CPUs this process may use: a dashed line there
#   # ideal: yes    draws speedup = workers, and its ceiling at the CPUs
#   # logy: yes     a log scale for y too (x is always log 2)
set -eu

if [ $# -lt 2 ] || [ $# -gt 3 ]; then
	echo "usage: plot.sh DATA PLOT.svg|PLOT.png [SHOWN]" >&2
	exit 2
fi
data=$1 plot=$2 shown=${3:-$2}
case $plot in
*.svg) term="svg size 900,560 dynamic enhanced font 'sans,13' background '#ffffff'" ;;
*.png) term="pngcairo size 900,560 enhanced font 'sans,11'" ;;
*) echo "plot.sh: PLOT=$plot: name an .svg or a .png file" >&2; exit 2 ;;
esac
if ! command -v gnuplot >/dev/null 2>&1; then
	echo "plot.sh: gnuplot is not installed: run make deps (Debian's gnuplot-nox)" >&2
	exit 1
fi

# The value of "# key: value", or $2 when the table has none.
meta() {
	v=$(sed -n "s/^# $1: //p" "$data" | head -n 1)
	echo "${v:-$2}"
}
# gnuplot string literal: single quotes, doubled inside.
q() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/''/g")"; }

curves=$(grep -c '^"' "$data" || true)
if [ "$curves" -eq 0 ]; then
	echo "plot.sh: $data holds no curve" >&2
	exit 1
fi
cpus=$(meta cpus 0)
ideal=$(meta ideal no)
logy=$(meta logy no)

gnuplot <<EOF
set terminal $term
set output $(q "$plot")
set title $(q "$(meta title 'make sweep')") noenhanced
set xlabel $(q "$(meta xlabel x)") noenhanced
set ylabel $(q "$(meta ylabel y)") noenhanced
set logscale x 2
$( [ "$logy" = yes ] && echo "set logscale y 2" )
set grid
set key top left box opaque noenhanced
set style data linespoints
cpus = $cpus
if (cpus > 0) {
	set arrow from cpus, graph 0 to cpus, graph 1 nohead dashtype 2 linecolor rgb 'gray40'
	set label sprintf('%d CPUs', cpus) at cpus, graph 0.04 offset 0.6, 0 textcolor rgb 'gray30'
}
ideal(x) = x
ceiling(x) = x < cpus ? x : cpus
plot for [i=0:$((curves - 1))] $(q "$data") index i using 1:2 linewidth 2 pointtype 7 \
	title columnheader(1)$( [ "$ideal" = yes ] && printf '%s' ", \\
	ideal(x) with lines dashtype 3 linewidth 1.5 linecolor rgb 'black' \\
	title 'ideal: speedup = workers (tasks that wait, like downloads)', \\
	ceiling(x) with lines dashtype 4 linewidth 1.5 linecolor rgb 'gray50' \\
	title sprintf('ideal for computation: at most the %d CPUs', cpus)")
EOF
case $plot in
*.svg) viewer="a web browser" ;;
*) viewer="an image viewer or a web browser" ;;
esac
echo "curve drawn in $shown: open it in $viewer"
