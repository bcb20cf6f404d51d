# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# coalescing.gp - host calls per converted page by pattern and transport.
set terminal pngcairo size 1100,620 font "sans,11"
set output out."/coalescing.png"
set title "Host calls per converted 4 KiB page (log scale; 1 = one call per page)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set logscale y
set yrange [1e-6:2]
set format y "10^{%L}"
set ylabel "host calls per converted page"
set grid ytics
set xtics noenhanced
set key outside bottom center horizontal noenhanced
set arrow from graph 0, first 1 to graph 1, first 1 nohead lw 2 dt 2 lc rgb "#aa0000"
set label "one call per page" at graph 0.01, first 1.3 tc rgb "#aa0000"
plot dat."/coalescing.dat" using 3:xtic(2) title "batch, v1 hypercall" lc rgb "#4c72b0", \
     '' using 4 title "batch, v2 MSR" lc rgb "#55a868", \
     '' using 5 title "batch, v2 MSR + lists" lc rgb "#c44e52", \
     '' using 6 title "batch, v2 hypercall + lists" lc rgb "#8172b2", \
     '' using 7 title "direct set_status, v2 MSR" lc rgb "#ccb974"
