/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* mem.h - guest RAM: layout around the legacy and 32-bit holes, KVM slots. */
#ifndef MIGCTL_VMM_MEM_H
#define MIGCTL_VMM_MEM_H

#include <stdbool.h>

#include <migctl/types.h>

#define MEM_MAX_BANKS		3
#define MEM_MIN_SIZE		(2ull << 20)
#define MEM_MAX_SIZE		(1ull << 40)
/* RAM below 640 KiB, the legacy hole up to 1 MiB, RAM up to 3 GiB. */
#define MEM_LOW_END		0xa0000ull
#define MEM_HIGH_START		0x100000ull
#define MEM_HOLE_START		(3ull << 30)
#define MEM_HOLE_END		(4ull << 30)

/* One KVM memory slot: a GPA range backed by host memory at host_offset. */
struct mem_bank {
	gpa_t gpa;
	u64 size;
	u64 host_offset;
	u32 slot;
	u32 flags;	/* KVM_MEM_* of the slot, e.g. dirty logging */
};

/*
 * A page the VMM owns outside guest RAM (the sev-sim key page): its own
 * read-only slot, never dirty-logged, never migrated, reserved in e820.
 */
#define MEM_EXTRA_SLOT		MEM_MAX_BANKS

struct mem {
	u8 *host;		/* one mapping of host_size bytes */
	u64 host_size;
	struct mem_bank banks[MEM_MAX_BANKS];
	int nr_banks;
	u8 *extra;		/* the extra page, NULL if none */
	gpa_t extra_gpa;
	bool manual_protect;	/* KVM_CLEAR_DIRTY_LOG re-protects fetched pages */
};

/**
 * mem_layout() - place @size bytes of guest RAM in the guest-physical map.
 * @size: requested RAM size, 4 KiB aligned, MEM_MIN_SIZE..MEM_MAX_SIZE
 * @banks: receives MEM_MAX_BANKS entries at most
 *
 * RAM occupies [0, 640 KiB), [1 MiB, min(size, 3 GiB)) and, for more than
 * 3 GiB, [4 GiB, 4 GiB + size - 3 GiB). Host offsets equal the GPA below
 * the 3 GiB hole, so one host mapping of @size bytes backs every bank.
 *
 * Return: the number of banks, or -EINVAL for a bad size.
 */
int mem_layout(u64 size, struct mem_bank *banks);

/**
 * mem_create() - map guest RAM and register it with a VM.
 * @mem: zeroed on entry, filled on success
 * @vm_fd: the KVM VM file descriptor
 * @size: as for mem_layout()
 *
 * Return: 0 or -errno (-EINVAL bad size, -ENOMEM, KVM errors).
 */
int mem_create(struct mem *mem, int vm_fd, u64 size);

/**
 * mem_add_extra_page() - map one VMM-owned page at @gpa, outside RAM
 *
 * Read-only for the guest where KVM supports it (its writes then exit as
 * MMIO and are dropped). Return: 0, -EEXIST (already added), -EINVAL
 * (@gpa not page-aligned or inside RAM), -ENOMEM, KVM errors.
 */
int mem_add_extra_page(struct mem *mem, int vm_fd, gpa_t gpa);

/** mem_destroy() - unmap guest RAM (the VM's slots die with the VM). */
void mem_destroy(struct mem *mem);

/**
 * mem_gpa_to_hva() - host address of guest range [gpa, gpa + len).
 *
 * Return: the host pointer, or NULL when any byte of the range is not RAM
 * or the range crosses a bank boundary.
 */
void *mem_gpa_to_hva(const struct mem *mem, gpa_t gpa, u64 len);

/* How mem_dirty_log() turns logging on: what the VMM prefers, what it got. */
enum mem_dirty_mode {
	MEM_DIRTY_AUTO,		/* manual protect where KVM offers it */
	MEM_DIRTY_MANUAL,	/* KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2 only */
	MEM_DIRTY_GET,		/* KVM_GET_DIRTY_LOG clears and protects */
};

/**
 * mem_dirty_log() - turn KVM dirty page logging on or off for every bank.
 * @mode: for @on; MEM_DIRTY_AUTO enables KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2
 *        when KVM offers it and falls back to plain KVM_GET_DIRTY_LOG;
 *        MEM_DIRTY_MANUAL fails with -EOPNOTSUPP without it.
 *
 * mem->manual_protect tells the caller which one is in use.
 *
 * Return: 0 or -errno; on error the banks keep their previous flags.
 */
int mem_dirty_log(struct mem *mem, int vm_fd, bool on, enum mem_dirty_mode mode);

/**
 * mem_dirty_fetch() - fetch and clear the dirty bitmap of @bank
 * @bitmap: one bit per 4 KiB page of the bank, mem_dirty_words() u64s
 *
 * Returns the pages written since the last fetch and write-protects them
 * again before returning: KVM_GET_DIRTY_LOG does both in one step, or,
 * with manual protect, KVM_GET_DIRTY_LOG reads and KVM_CLEAR_DIRTY_LOG
 * re-protects exactly the pages read. Either way a write racing the fetch
 * is in this bitmap or in the next one (V-2 relies on that), and the
 * caller reads the pages only after this returns.
 */
int mem_dirty_fetch(struct mem *mem, int vm_fd, int bank, u64 *bitmap);

/**
 * mem_untouched() - the pages of @bank the host never backed
 * @first: the bank's first page to look at; @n: how many (at most 64 * the
 *         words of @bits).
 * @bits: receives one bit per page, set where the page is neither present
 *        nor swapped out.
 *
 * Guest RAM is private anonymous memory: such a page reads as zero, and a
 * migration can say so without reading it (which would fault the zero
 * page in). From /proc/self/pagemap, whose present and swapped bits need
 * no privilege. A page the guest writes afterwards is in the dirty log.
 *
 * Return: 0, or -errno (the caller then reads every page).
 */
int mem_untouched(const struct mem *mem, int bank, u64 first, u64 n, u64 *bits);

/** mem_dirty_words() - u64 words of a dirty bitmap for @bank. */
u64 mem_dirty_words(const struct mem *mem, int bank);

/** mem_ram_size() - bytes of guest RAM, all banks together. */
u64 mem_ram_size(const struct mem *mem);

#endif /* MIGCTL_VMM_MEM_H */
