# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# spec/spec.mk - the specification: rendering and consistency checks.
