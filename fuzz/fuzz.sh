#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# fuzz.sh - runs the libFuzzer harnesses on scratch copies of their corpora; merges; coverage.
#
#   fuzz.sh run HARNESS...        FUZZ_SECONDS each; crashers go to fuzz/regress/<h>/
#   fuzz.sh one HARNESS SECS DIR  one run in DIR (used by run-bounded.sh); prints a summary
#   fuzz.sh merge HARNESS...      minimize $O/fuzz/work/<h>/corpus into fuzz/corpus/<h>/
#   fuzz.sh coverage HARNESS...   library lines the committed corpus reaches (gcov);
#                                 FUZZ_COV_CORPUS=DIR: that corpus instead (a run's)
#
# The committed corpus is only ever read (merge is the one writer), so a run
# never changes the tree except by adding crashers to fuzz/regress/.
set -u
cd "$(dirname "$0")/.."
O=${O:-build}

# fuzz_one HARNESS SECS DIR: returns libFuzzer's exit status.
fuzz_one() {
	local h=$1 secs=$2 dir=$3 bin=$O/fuzz/$1-fuzz rc
	local execs eps cov ft corp crashes line

	rm -rf "$dir"
	mkdir -p "$dir/corpus" "$dir/crashes"
	[ -d "fuzz/corpus/$h" ] && cp fuzz/corpus/"$h"/* "$dir/corpus/" 2>/dev/null
	# -timeout: one input may not stall (H-12); -rss_limit_mb: nor grow memory.
	"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=1024 -print_final_stats=1 \
		-artifact_prefix="$dir/crashes/" "$dir/corpus" >"$dir/log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log")
	eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$dir/log")
	line=$(grep -E '^#[0-9]+.* cov: ' "$dir/log" | tail -n 1)
	cov=$(echo "$line" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
	ft=$(echo "$line" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
	corp=$(echo "$line" | sed -n 's/.* corp: \([0-9]*\).*/\1/p')
	crashes=$(find "$dir/crashes" -type f | wc -l)
	echo "$h: ${secs}s execs=${execs:-?} exec/s=${eps:-?} cov=${cov:-?} ft=${ft:-?}" \
	     "corpus=${corp:-?} crashes=$crashes exit=$rc" | tee "$dir/summary"
	return $rc
}

cmd_run() {
	local h f fail=0

	for h in "$@"; do
		if ! fuzz_one "$h" "${FUZZ_SECONDS:-60}" "$O/fuzz/work/$h"; then
			fail=1
			mkdir -p "fuzz/regress/$h"
			for f in "$O/fuzz/work/$h/crashes"/*; do
				[ -f "$f" ] || continue
				cp "$f" "fuzz/regress/$h/"
				echo "$h: saved fuzz/regress/$h/$(basename "$f"); log: $O/fuzz/work/$h/log"
			done
		fi
	done
	return $fail
}

cmd_merge() {
	local h before

	for h in "$@"; do
		[ -d "$O/fuzz/work/$h/corpus" ] || { echo "$h: nothing to merge (run make fuzz)"; continue; }
		mkdir -p "fuzz/corpus/$h"
		before=$(ls "fuzz/corpus/$h" | wc -l)
		"$O/fuzz/$h-fuzz" -merge=1 "fuzz/corpus/$h" "$O/fuzz/work/$h/corpus" \
			>"$O/fuzz/work/$h/merge.log" 2>&1 || { echo "$h: merge failed"; return 1; }
		echo "$h: corpus $before -> $(ls "fuzz/corpus/$h" | wc -l) inputs"
	done
}

# Library sources each harness is meant to cover.
cov_sources() {
	case $1 in
	host_ops) echo host/*.c ;;
	logstream) echo host/logstream.c host/statuslog.c ;;
	stream) echo vmm/migrate/stream_reader.c vmm/migrate/stream_config.c vmm/migrate/stream.c ;;
	incoming) echo vmm/migrate/stream_reader.c vmm/migrate/stream_config.c vmm/migrate/recv.c \
		vmm/migrate/state.c vmm/state_check.c vmm/state_load.c ;;
	bzimage) echo vmm/bzimage.c ;;
	esac
}

# Line coverage of the committed corpus and crashers, by gcov ($O/fuzz/<h>-cov).
cmd_coverage() {
	local h src dirs d

	for h in "$@"; do
		find "$O/fuzz/cov" -name '*.gcda' -delete
		dirs=""
		for d in "${FUZZ_COV_CORPUS:-fuzz/corpus/$h}" "fuzz/regress/$h"; do
			[ -d "$d" ] && dirs="$dirs $d"
		done
		# shellcheck disable=SC2086
		"$O/fuzz/$h-cov" $dirs >/dev/null || { echo "$h: replay failed"; return 1; }
		for src in $(cov_sources "$h"); do
			gcov -n -o "$O/fuzz/cov/$(dirname "$src")" "$src" 2>/dev/null |
				awk -v f="$src" '$0 == "File '"'"'" f "'"'"'" { x = 1; next }
					x && sub(/^Lines executed:/, "") { print f ": " $0; exit }'
		done | awk -v h="$h" '{ split($2, p, "%"); n = $4; hit += p[1] * n / 100; all += n
				printf "  %s\n", $0 }
			END { printf "%s: %d of %d library lines (%.1f%%)\n", h, hit + 0.5, all,
				all ? 100 * hit / all : 0 }'
	done
}

case "${1:-}" in
run) shift; cmd_run "$@" ;;
one) shift; fuzz_one "$@" ;;
merge) shift; cmd_merge "$@" ;;
coverage) shift; cmd_coverage "$@" ;;
*) echo "usage: $0 run|merge|coverage HARNESS... | one HARNESS SECS DIR" >&2; exit 2 ;;
esac
