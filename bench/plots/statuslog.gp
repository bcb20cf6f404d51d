# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# statuslog.gp - scan rate against memcpy, and operation times, by RAM size.
set terminal pngcairo size 1200,520 font "sans,11"
set output out."/statuslog.png"
set multiplot layout 1,2
set logscale x 2
set xlabel "guest RAM (GiB)"
set grid
set key top right font ",10"
set title "Sync scan (fetch-and-clear of C) vs. memcpy of the same bytes"
set ylabel "GB/s"
set yrange [0:*]
plot dat."/statuslog.dat" using 1:2 with linespoints lw 2 pt 7 title "scan, C full", \
     '' using 1:3 with linespoints lw 2 pt 5 title "scan, C sparse", \
     '' using 1:4 with linespoints lw 2 pt 9 dt 2 title "model: exchange non-zero words only", \
     '' using 1:5 with linespoints lw 2 pt 13 title "memcpy"
set title "Status log operations (ms, medians)"
set logscale y
set yrange [*:*]
set ylabel "ms"
set key top left font ",10"
plot dat."/statuslog.dat" using 1:6 with linespoints lw 2 pt 7 title "create", \
     '' using 1:7 with linespoints lw 2 pt 5 title "set all RAM", \
     '' using 1:8 with linespoints lw 2 pt 9 title "fetch C (full)", \
     '' using 1:9 with linespoints lw 2 pt 11 title "stream save", \
     '' using 1:10 with linespoints lw 2 pt 13 title "stream load", \
     '' using 1:11 with linespoints lw 2 pt 3 dt 2 title "memcpy of C's bytes"
unset multiplot
