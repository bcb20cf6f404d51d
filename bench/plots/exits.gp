# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# exits.gp - cost of one loop iteration per exit kind (raw and net of the loop).
set terminal pngcairo size 1100,620 font "sans,11"
set output out."/exits.png"
set title "Status notification vs. bare exits on this KVM, ring-0 loops (median ns per iteration)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set ylabel "ns per iteration (CPU time of the vCPU thread)"
set yrange [0:*]
set grid ytics
set xtics rotate by -25 left noenhanced
set key top left noenhanced
set bmargin 7
plot dat."/exits.dat" using 2:xtic(1) lc rgb "#7fa7d1" \
	title "raw (includes the emulated guest loop)", \
     '' using 3 lc rgb "#d9822b" title "net of the loop (loop_empty subtracted)"
