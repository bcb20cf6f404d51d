/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* mem.c - guest RAM: one host mapping split into KVM memory slots. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <unistd.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/kvm.h>

#include "mem.h"

#define MEM_PAGE_MASK	0xfffull

int mem_layout(u64 size, struct mem_bank *banks)
{
	int n = 0;

	if (size < MEM_MIN_SIZE || size > MEM_MAX_SIZE || (size & MEM_PAGE_MASK))
		return -EINVAL;

	banks[n++] = (struct mem_bank){ .gpa = 0, .size = MEM_LOW_END };
	banks[n++] = (struct mem_bank){
		.gpa = MEM_HIGH_START,
		.size = (size < MEM_HOLE_START ? size : MEM_HOLE_START) - MEM_HIGH_START,
		.host_offset = MEM_HIGH_START,
	};
	if (size > MEM_HOLE_START)
		banks[n++] = (struct mem_bank){
			.gpa = MEM_HOLE_END,
			.size = size - MEM_HOLE_START,
			.host_offset = MEM_HOLE_START,
		};
	for (int i = 0; i < n; i++)
		banks[i].slot = i;
	return n;
}

static int mem_set_slot(int vm_fd, const struct mem *mem, const struct mem_bank *b)
{
	struct kvm_userspace_memory_region region = {
		.slot = b->slot,
		.flags = b->flags,
		.guest_phys_addr = b->gpa,
		.memory_size = b->size,
		.userspace_addr = (u64)(uintptr_t)(mem->host + b->host_offset),
	};

	if (ioctl(vm_fd, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		return -errno;
	return 0;
}

int mem_create(struct mem *mem, int vm_fd, u64 size)
{
	int ret;

	ret = mem_layout(size, mem->banks);
	if (ret < 0)
		return ret;
	mem->nr_banks = ret;

	/* NORESERVE: untouched guest RAM costs nothing on the host. */
	mem->host = mmap(NULL, size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (mem->host == MAP_FAILED) {
		mem->host = NULL;
		return -ENOMEM;
	}
	mem->host_size = size;

	for (int i = 0; i < mem->nr_banks; i++) {
		ret = mem_set_slot(vm_fd, mem, &mem->banks[i]);
		if (ret)
			goto err_unmap;
	}
	return 0;

err_unmap:
	mem_destroy(mem);
	return ret;
}

int mem_add_extra_page(struct mem *mem, int vm_fd, gpa_t gpa)
{
	struct kvm_userspace_memory_region region = {
		.slot = MEM_EXTRA_SLOT,
		.guest_phys_addr = gpa,
		.memory_size = MEM_PAGE_MASK + 1,
	};
	void *page;

	if (mem->extra)
		return -EEXIST;
	if ((gpa & MEM_PAGE_MASK) || mem_gpa_to_hva(mem, gpa, 1))
		return -EINVAL;
	page = mmap(NULL, MEM_PAGE_MASK + 1, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED)
		return -ENOMEM;
	region.userspace_addr = (u64)(uintptr_t)page;
	if (ioctl(vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_READONLY_MEM) > 0)
		region.flags = KVM_MEM_READONLY;
	if (ioctl(vm_fd, KVM_SET_USER_MEMORY_REGION, &region) < 0) {
		int ret = -errno;

		munmap(page, MEM_PAGE_MASK + 1);
		return ret;
	}
	mem->extra = page;
	mem->extra_gpa = gpa;
	return 0;
}

void mem_destroy(struct mem *mem)
{
	if (mem->extra)
		munmap(mem->extra, MEM_PAGE_MASK + 1);
	if (mem->host)
		munmap(mem->host, mem->host_size);
	memset(mem, 0, sizeof(*mem));
}

void *mem_gpa_to_hva(const struct mem *mem, gpa_t gpa, u64 len)
{
	for (int i = 0; i < mem->nr_banks; i++) {
		const struct mem_bank *b = &mem->banks[i];

		if (gpa < b->gpa || gpa - b->gpa >= b->size)
			continue;
		if (len > b->size - (gpa - b->gpa))
			return NULL;
		return mem->host + b->host_offset + (gpa - b->gpa);
	}
	return NULL;
}

u64 mem_ram_size(const struct mem *mem)
{
	u64 total = 0;

	for (int i = 0; i < mem->nr_banks; i++)
		total += mem->banks[i].size;
	return total;
}

/*
 * Manual protect: KVM_GET_DIRTY_LOG no longer write-protects what it
 * returns; KVM_CLEAR_DIRTY_LOG does, for the pages the VMM names. The cap
 * is VM-wide and stays on; enabling it twice is harmless.
 */
static int mem_manual_protect(int vm_fd)
{
	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2,
		.args[0] = KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE,
	};
	int have = ioctl(vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2);

	if (have <= 0 || !(have & KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE))
		return -EOPNOTSUPP;
	if (ioctl(vm_fd, KVM_ENABLE_CAP, &cap) < 0)
		return -errno;
	return 0;
}

int mem_dirty_log(struct mem *mem, int vm_fd, bool on, enum mem_dirty_mode mode)
{
	int ret = 0, i;

	if (on && mode != MEM_DIRTY_GET && !mem->manual_protect) {
		ret = mem_manual_protect(vm_fd);
		if (ret && mode == MEM_DIRTY_MANUAL)
			return ret;
		mem->manual_protect = !ret;
		ret = 0;
	}
	for (i = 0; i < mem->nr_banks && !ret; i++) {
		u32 old = mem->banks[i].flags;

		mem->banks[i].flags = on ? (old | KVM_MEM_LOG_DIRTY_PAGES) :
				      (old & ~KVM_MEM_LOG_DIRTY_PAGES);
		ret = mem_set_slot(vm_fd, mem, &mem->banks[i]);
		if (ret)
			mem->banks[i].flags = old;
	}
	if (!ret)
		return 0;
	/* Put the banks already switched back. */
	for (i -= 2; i >= 0; i--) {
		mem->banks[i].flags ^= KVM_MEM_LOG_DIRTY_PAGES;
		mem_set_slot(vm_fd, mem, &mem->banks[i]);
	}
	return ret;
}

#define MEM_PAGEMAP_PRESENT	(1ull << 63)
#define MEM_PAGEMAP_SWAPPED	(1ull << 62)
#define MEM_PAGEMAP_CHUNK	512	/* entries per read */

int mem_untouched(const struct mem *mem, int bank, u64 first, u64 n, u64 *bits)
{
	u64 ent[MEM_PAGEMAP_CHUNK], hva;
	int fd, ret = 0;

	if (bank < 0 || bank >= mem->nr_banks || first + n > mem->banks[bank].size >> 12)
		return -EINVAL;
	fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	memset(bits, 0, (n + 63) / 64 * 8);
	hva = (u64)(uintptr_t)(mem->host + mem->banks[bank].host_offset) + (first << 12);
	for (u64 i = 0; i < n && !ret; i += MEM_PAGEMAP_CHUNK) {
		u64 k = n - i < MEM_PAGEMAP_CHUNK ? n - i : MEM_PAGEMAP_CHUNK;
		ssize_t got = pread(fd, ent, k * 8, (off_t)(((hva >> 12) + i) * 8));

		if (got != (ssize_t)(k * 8)) {
			ret = got < 0 ? -errno : -EIO;
			break;
		}
		for (u64 j = 0; j < k; j++)
			if (!(ent[j] & (MEM_PAGEMAP_PRESENT | MEM_PAGEMAP_SWAPPED)))
				bits[(i + j) / 64] |= 1ull << ((i + j) % 64);
	}
	close(fd);
	return ret;
}

u64 mem_dirty_words(const struct mem *mem, int bank)
{
	return ((mem->banks[bank].size >> 12) + 63) / 64;
}

/* Re-protects the pages set in @bitmap, in chunks that skip clean ones. */
static int mem_dirty_clear(struct mem *mem, int vm_fd, int bank, u64 *bitmap)
{
	const u64 chunk = 4096;		/* words: 256 Ki pages, 1 GiB */
	u64 words = mem_dirty_words(mem, bank), pages = mem->banks[bank].size >> 12;

	for (u64 w = 0; w < words; w += chunk) {
		u64 n = words - w < chunk ? words - w : chunk;
		struct kvm_clear_dirty_log clr = {
			.slot = mem->banks[bank].slot,
			.first_page = w * 64,
			.dirty_bitmap = bitmap + w,
		};
		bool any = false;

		for (u64 i = 0; i < n && !any; i++)
			any = bitmap[w + i] != 0;
		if (!any)
			continue;
		/* A multiple of 64 pages, or up to the end of the slot. */
		clr.num_pages = w + n == words ? pages - w * 64 : n * 64;
		if (ioctl(vm_fd, KVM_CLEAR_DIRTY_LOG, &clr) < 0)
			return -errno;
	}
	return 0;
}

int mem_dirty_fetch(struct mem *mem, int vm_fd, int bank, u64 *bitmap)
{
	struct kvm_dirty_log log = { .dirty_bitmap = bitmap };

	if (bank < 0 || bank >= mem->nr_banks ||
	    !(mem->banks[bank].flags & KVM_MEM_LOG_DIRTY_PAGES))
		return -EINVAL;
	log.slot = mem->banks[bank].slot;
	if (ioctl(vm_fd, KVM_GET_DIRTY_LOG, &log) < 0)
		return -errno;
	return mem->manual_protect ? mem_dirty_clear(mem, vm_fd, bank, bitmap) : 0;
}
