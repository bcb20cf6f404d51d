# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# conformance/conformance.mk - the conformance suites of every role.

include conformance/guest-image/image.mk
include conformance/checker/checker.mk
include conformance/badguest/badguest.mk
include conformance/vmm/vmm-suite.mk
include conformance/vmm/reliability.mk
include conformance/vmm/crafted-stream.mk
include conformance/linux/tools/tools.mk
include conformance/linux/linux-suite.mk
include conformance/run.mk
