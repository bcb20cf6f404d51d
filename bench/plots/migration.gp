# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# migration.gp - live migration total time and downtime: migctl-vmm (sev-sim off, on) and QEMU.
set terminal pngcairo size 1200,560 font "sans,11"
set output out."/migration.png"
set datafile missing "-"
set multiplot layout 1,2
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set logscale y
set grid ytics
set xtics rotate by -25 left noenhanced
set key top left noenhanced font ",10"
set bmargin 6
set title "Total migration time (median, log scale)"
set ylabel "ms"
plot dat."/migration.dat" using 3:xtic(2) title "migctl-vmm" lc rgb "#4c72b0", \
     '' using 4 title "migctl-vmm, sev-sim" lc rgb "#8172b2", \
     '' using 5 title "QEMU" lc rgb "#55a868"
set title "Downtime (median, log scale; 0 shown as 0.5)"
plot dat."/migration.dat" using 6:xtic(2) title "migctl-vmm" lc rgb "#4c72b0", \
     '' using 7 title "migctl-vmm, sev-sim" lc rgb "#8172b2", \
     '' using 8 title "QEMU" lc rgb "#55a868"
unset multiplot
