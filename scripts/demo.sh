#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# demo.sh - the main demonstration (make demo): handshake and live migration.
set -eu
O=${1:-build}
VMM="$O/vmm/migctl-vmm"
IMAGE="$O/conformance/guest-image/migctl-test.elf"

if [ ! -x "$VMM" ] || [ ! -f "$IMAGE" ]; then
	echo "demo: not built yet: needs $VMM and $IMAGE"
	echo "demo: the live-migration demo arrives with the VMM (issue 6) and migration (issue 7)"
	exit 0
fi
echo "demo: $VMM --migctl v2 --cpus 2 $IMAGE"
exec "$VMM" --migctl v2 --cpus 2 --stats "$IMAGE"
