# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# guestcost.gp - cost of one status change in the guest, in-process and on KVM.
set terminal pngcairo size 1200,520 font "sans,11"
set output out."/guestcost.png"
have_kvm = system("test -f ".dat."/guestcost_kvm.dat && echo 1 || echo 0") + 0
if (have_kvm) { set multiplot layout 1,2 }
set style data histograms
set style fill solid 0.85 border -1
set boxwidth 0.7
set grid ytics
set yrange [0:*]
set xtics noenhanced rotate by -20 left
set key off
set title "In-process, exits free: library cost (ns per call)"
set ylabel "ns per call"
plot dat."/guestcost.dat" using 2:xtic(1) lc rgb "#4c72b0"
if (have_kvm) {
	set title "In the guest on this KVM, ring 0 emulated (us per call)"
	set ylabel "us per call"
	plot dat."/guestcost_kvm.dat" using 2:xtic(1) lc rgb "#d9822b"
	unset multiplot
}
