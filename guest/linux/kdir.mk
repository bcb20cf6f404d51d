# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# kdir.mk - where the kernel headers for the migctl module are: KVER, KDIR.

# The kernel linux-image-amd64 depends on (linux-image-6.1.0-57-amd64 ->
# 6.1.0-57-amd64) and the headers of that version; KVER= or KDIR= override.
KVER	?= $(shell dpkg-query -W -f='$${Depends}' linux-image-amd64 2>/dev/null | \
		sed -n 's/^linux-image-\([^ ,]*\).*/\1/p')
KDIR	?= /usr/src/linux-headers-$(KVER)
