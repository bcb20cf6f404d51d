/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* stream.h - the migration stream format: writer, validating reader, replies. */
#ifndef MIGCTL_VMM_STREAM_H
#define MIGCTL_VMM_STREAM_H

/*
 * docs/migration-stream.adoc is the prose description of this format; the
 * numbers are here. Every field is little-endian and fixed-width.
 *
 *	header		"MIGCTLVM", u32 version (2), u32 flags (0)
 *	section*	{u32 type, u32 flags (0), u64 length, payload[length]}
 *
 * Order: CONFIG first and once; then RAM, ROUND, STATUS, DEVICE and VCPU
 * sections; END last. STATUS exactly once, VCPU exactly once per vCPU.
 * The END payload is the XXH3-128 checksum of every byte before it, the
 * END section header included. On a socket the destination answers the
 * CONFIG section with ACCEPT or REFUSE and the END section with DONE or
 * FAIL (struct migctl_stream_reply); a file carries no replies.
 *
 * One module in three files: stream.c (transports, writer, replies),
 * stream_config.c (CONFIG checks) and stream_reader.c (the reader).
 */

#include <stddef.h>
#include <sys/types.h>

#include <migctl/types.h>

struct kvm_cpuid_entry2;

#define MIGCTL_STREAM_MAGIC	"MIGCTLVM"
#define MIGCTL_STREAM_MAGIC_LEN 8
#define MIGCTL_STREAM_VERSION	3u

/* Section types. 0 is never valid. */
#define MIGCTL_SEC_CONFIG 1u
#define MIGCTL_SEC_RAM	  2u
#define MIGCTL_SEC_STATUS 3u
#define MIGCTL_SEC_DEVICE 4u
#define MIGCTL_SEC_VCPU	  5u
#define MIGCTL_SEC_ROUND  6u
#define MIGCTL_SEC_END	  7u
#define MIGCTL_SEC_MAX	  MIGCTL_SEC_END

/* RAM page kinds: bits 11:0 of a page descriptor, bits 63:12 the GFN. */
#define MIGCTL_PAGE_ZERO	    1u /* all zero; no data */
#define MIGCTL_PAGE_RAW		    2u /* 4096 bytes as in guest memory */
#define MIGCTL_PAGE_PRIVATE	    3u /* sealed by the firmware path */
#define MIGCTL_PAGE_KIND_MASK	    0xfffull
#define MIGCTL_PAGE_DESC(gfn, kind) (((u64)(gfn) << 12) | (kind))

#define MIGCTL_STREAM_PAGE_SIZE	  4096u
/* PRIVATE payload: 24-byte nonce field (AES-GCM IV, 12 MBZ), 4096 ciphertext, 16-byte tag. */
#define MIGCTL_SEALED_NONCE_BYTES 24u
#define MIGCTL_SEALED_TAG_BYTES	  16u
#define MIGCTL_SEALED_PAGE_BYTES                               \
	(MIGCTL_SEALED_NONCE_BYTES + MIGCTL_STREAM_PAGE_SIZE + \
	 MIGCTL_SEALED_TAG_BYTES)

/* Limits the reader enforces before it reads or allocates anything. */
#define MIGCTL_STREAM_REGIONS_MAX   64u
#define MIGCTL_STREAM_VCPUS_MAX	    1024u
#define MIGCTL_STREAM_RAM_BATCH_MAX 256u
#define MIGCTL_STREAM_RAM_MAX	    (1ull << 40) /* bytes of guest RAM */
#define MIGCTL_STREAM_BLOB_MAX	    (1u << 20) /* DEVICE, VCPU default */
#define MIGCTL_STREAM_DEVICE_NAME   16u
#define MIGCTL_STREAM_DIGEST_BYTES  16u /* END: XXH3-128 */
#define MIGCTL_STREAM_CPUID_DIGEST_BYTES 32u /* CONFIG: BLAKE2b-256 */
#define MIGCTL_STREAM_KEY_BYTES	    32u

struct migctl_stream_header {
	u8 magic[MIGCTL_STREAM_MAGIC_LEN];
	u32 version;
	u32 flags; /* MBZ */
};

struct migctl_stream_section {
	u32 type;
	u32 flags; /* MBZ */
	u64 length; /* payload bytes that follow */
};

/* CONFIG payload: this, then nr_regions x struct migctl_stream_region. */
struct migctl_stream_config {
	u32 nr_regions; /* 1..MIGCTL_STREAM_REGIONS_MAX */
	u32 nr_vcpus; /* 1..MIGCTL_STREAM_VCPUS_MAX */
	u32 page_size; /* 4096 */
	u32 sevsim; /* 0 off, 1 on */
	u32 offer_min; /* offered version range; 0..0 = off */
	u32 offer_max;
	u32 offer_features; /* MIGCTL_F_* offered */
	u32 reserved; /* MBZ */
	u64 protocol_ctl; /* negotiated: control MSR value, 0 = not READY */
	u64 sevsim_generation; /* source key page's generation; 0 unless sev-sim */
	u8 cpuid_digest[MIGCTL_STREAM_CPUID_DIGEST_BYTES];
	u8 transport_key[MIGCTL_STREAM_KEY_BYTES]; /* zero unless sev-sim */
};

struct migctl_stream_region {
	u64 gpa;
	u64 size;
};

/* RAM payload: this, then nr_pages x {u64 desc, data by kind}. */
struct migctl_stream_ram {
	u64 round; /* the pre-copy round the pages belong to */
	u32 nr_pages; /* 1..MIGCTL_STREAM_RAM_BATCH_MAX */
	u32 reserved; /* MBZ */
};

/* DEVICE payload: this, then the device's opaque state. */
struct migctl_stream_device {
	char name[MIGCTL_STREAM_DEVICE_NAME]; /* [a-z0-9_-.], NUL-padded */
};

/* VCPU payload: this, then the vCPU's opaque state. */
struct migctl_stream_vcpu {
	u32 index; /* < nr_vcpus */
	u32 reserved; /* MBZ */
};

/* ROUND payload: the number of the round that just ended (0, 1, ...). */
struct migctl_stream_round {
	u64 round;
};

/* Destination -> source replies (sockets only). */
#define MIGCTL_REPLY_MAGIC	0x5052434du /* "MCRP" */
#define MIGCTL_REPLY_ACCEPT	1u /* CONFIG checked: send the rest */
#define MIGCTL_REPLY_REFUSE	2u /* CONFIG refused: reason follows */
#define MIGCTL_REPLY_DONE	3u /* END verified: source may stop */
#define MIGCTL_REPLY_FAIL	4u /* stream failed: reason follows */
#define MIGCTL_REPLY_ROUND	5u /* a ROUND section applied: its pages are in guest memory */
#define MIGCTL_REPLY_MAX	MIGCTL_REPLY_ROUND
#define MIGCTL_REPLY_REASON_MAX 1024u

struct migctl_stream_reply {
	u32 magic;
	u32 type;
	u32 reason_len; /* 0..MIGCTL_REPLY_REASON_MAX, no NUL */
	u32 reserved; /* MBZ */
};

_Static_assert(sizeof(struct migctl_stream_header) == 16,
	       "stream header is 16 bytes");
_Static_assert(sizeof(struct migctl_stream_section) == 16,
	       "section header is 16 bytes");
_Static_assert(sizeof(struct migctl_stream_config) == 112,
	       "CONFIG fixed part is 112 bytes");
_Static_assert(sizeof(struct migctl_stream_region) == 16, "region is 16 bytes");
_Static_assert(sizeof(struct migctl_stream_ram) == 16,
	       "RAM batch header is 16 bytes");
_Static_assert(sizeof(struct migctl_stream_device) == 16,
	       "DEVICE header is 16 bytes");
_Static_assert(sizeof(struct migctl_stream_vcpu) == 8,
	       "VCPU header is 8 bytes");
_Static_assert(sizeof(struct migctl_stream_round) == 8,
	       "ROUND payload is 8 bytes");
_Static_assert(sizeof(struct migctl_stream_reply) == 16,
	       "reply header is 16 bytes");
_Static_assert(MIGCTL_SEALED_PAGE_BYTES == 4136, "sealed page is 4136 bytes");

/* --- In-memory forms ---------------------------------------------------- */

struct migrate_region {
	gpa_t gpa;
	u64 size;
};

/*
 * A VM's migration configuration. The source fills every field; the
 * destination's local configuration leaves protocol_ctl, sevsim_generation
 * and transport_key zero (they come from the source).
 */
struct migrate_config {
	u32 nr_regions;
	struct migrate_region regions[MIGCTL_STREAM_REGIONS_MAX];
	u32 nr_vcpus;
	u32 page_size;
	bool sevsim;
	u32 offer_min, offer_max, offer_features;
	u64 protocol_ctl;
	u64 sevsim_generation;
	u8 cpuid_digest[MIGCTL_STREAM_CPUID_DIGEST_BYTES];
	u8 transport_key[MIGCTL_STREAM_KEY_BYTES];
};

/* One RAM page as the reader hands it over; data is valid in the callback only. */
struct migrate_page {
	u64 round;
	u64 gfn;
	u32 kind; /* MIGCTL_PAGE_* */
	const void *data; /* NULL for ZERO */
	size_t len; /* 0, 4096 or MIGCTL_SEALED_PAGE_BYTES */
};

struct migrate_stream_stats {
	u64 bytes;
	u64 pages_zero, pages_raw, pages_private;
	u64 rounds;
	u64 sections;
};

/*
 * Byte transport under the writer and reader. read returns bytes read
 * (> 0), 0 at end of input, or -errno; write returns bytes written (> 0)
 * or -errno. Both may return short counts.
 */
struct migrate_io {
	ssize_t (*read)(void *ctx, void *buf, size_t len);
	ssize_t (*write)(void *ctx, const void *buf, size_t len);
};

/*
 * A file descriptor as transport: ctx is MIGRATE_IO_FD(fd). Retries on
 * EINTR, never raises SIGPIPE, reports a receive timeout (SO_RCVTIMEO) as
 * -ETIMEDOUT.
 */
extern const struct migrate_io migrate_io_fd;
#define MIGRATE_IO_FD(fd) ((void *)(intptr_t)(fd))

/* A read-only memory buffer as transport (tests, fuzzing). */
struct migrate_io_mem {
	const u8 *buf;
	size_t len, pos;
};
extern const struct migrate_io migrate_io_mem;

/**
 * migrate_config_pages() - guest pages covered by a configuration's RAM
 */
u64 migrate_config_pages(const struct migrate_config *cfg);

/**
 * migrate_config_has_gfn() - is page @gfn inside one of the RAM regions
 */
bool migrate_config_has_gfn(const struct migrate_config *cfg, u64 gfn);

/**
 * migrate_config_validate() - check a configuration for internal consistency
 * @err: receives a message on failure (may be NULL).
 *
 * Region layout (sorted, disjoint, page-aligned, non-empty, no wrap, total
 * at most MIGCTL_STREAM_RAM_MAX), vCPU count, page size, protocol offer
 * and negotiated state against the offer, transport key zero without
 * sev-sim. The reader runs this on every CONFIG it parses.
 *
 * Return: 0 or -EINVAL.
 */
int migrate_config_validate(const struct migrate_config *cfg, char *err,
			    size_t errlen);

/**
 * migrate_config_check() - may a VM configured as @src run here as @local
 * @src: the CONFIG received from the source (already validated).
 * @local: the destination's own configuration.
 * @err: receives the refusal reason, starting with a fixed tag
 *	 ("memory layout mismatch", "vCPU count mismatch", "page size
 *	 mismatch", "sev-sim mismatch", "sev-sim guest not READY", "version
 *	 skew", "feature skew", "protocol offer mismatch", "CPUID mismatch").
 *
 * Checked in that order; the first failure is reported (V-6, V-8).
 *
 * Return: 0 (compatible) or -EINVAL.
 */
int migrate_config_check(const struct migrate_config *src,
			 const struct migrate_config *local, char *err,
			 size_t errlen);

/**
 * migrate_cpuid_digest() - BLAKE2b-256 of a CPUID table, for CONFIG
 * @e: the table the VMM gives KVM_SET_CPUID2 for vCPU 0.
 *
 * Hashes function, index, flags, eax, ebx, ecx and edx of each entry in
 * order, little-endian, so both sides must build their tables in the same
 * order (they do: same VMM, same options).
 */
void migrate_cpuid_digest(const struct kvm_cpuid_entry2 *e, u32 nr,
			  u8 out[MIGCTL_STREAM_CPUID_DIGEST_BYTES]);

/* --- Writer --------------------------------------------------------------- */

struct migrate_writer;

/**
 * migrate_writer_create() - a writer over @io/@ctx
 *
 * Nothing is written until migrate_writer_config(). After an I/O error
 * every further call returns that error.
 *
 * Return: 0, -ENOMEM.
 */
int migrate_writer_create(const struct migrate_io *io, void *ctx,
			  struct migrate_writer **out);

/** migrate_writer_destroy() - free the writer (without flushing); NULL is allowed. */
void migrate_writer_destroy(struct migrate_writer *w);

/**
 * migrate_writer_config() - write the header and CONFIG, and flush
 *
 * Flushes so that a destination can answer before the source sends RAM.
 * Return: 0, -EINVAL (invalid @cfg or called twice), -errno from I/O.
 */
int migrate_writer_config(struct migrate_writer *w,
			  const struct migrate_config *cfg);

/**
 * migrate_writer_ram() - add one page to the current RAM batch
 * @round: must be the current round (0 until the first ROUND).
 * @gfn: a page of the CONFIG's RAM.
 * @kind: MIGCTL_PAGE_*.
 * @data: NULL for ZERO, 4096 bytes for RAW, MIGCTL_SEALED_PAGE_BYTES for
 *	  PRIVATE.
 *
 * Batches are closed when full and before any other section.
 * Return: 0, -EINVAL, -errno from I/O.
 */
int migrate_writer_ram(struct migrate_writer *w, u64 round, u64 gfn, u32 kind,
		       const void *data);

/** migrate_writer_round() - end round @round (must be the current one). */
int migrate_writer_round(struct migrate_writer *w, u64 round);

/** migrate_writer_status() - the host library's status-log blob (once). */
int migrate_writer_status(struct migrate_writer *w, const void *blob,
			  size_t len);

/** migrate_writer_device() - a device's state; @name as in struct migctl_stream_device. */
int migrate_writer_device(struct migrate_writer *w, const char *name,
			  const void *blob, size_t len);

/** migrate_writer_vcpu() - vCPU @index's state (once per vCPU). */
int migrate_writer_vcpu(struct migrate_writer *w, u32 index, const void *blob,
			size_t len);

/**
 * migrate_writer_end() - write END with the checksum and flush
 *
 * Return: 0; -EINVAL if STATUS or a vCPU's state is missing; -errno.
 */
int migrate_writer_end(struct migrate_writer *w);

/** migrate_writer_flush() - push buffered bytes (closes an open RAM batch). */
int migrate_writer_flush(struct migrate_writer *w);

/** migrate_writer_stats() - bytes and pages written so far. */
void migrate_writer_stats(const struct migrate_writer *w,
			  struct migrate_stream_stats *st);

/* --- Reader --------------------------------------------------------------- */

struct migrate_reader;

/*
 * Called as sections arrive. Each returns 0 or -errno (which stops the
 * reader; set a message with migrate_reader_set_error()). Data pointers
 * are valid during the call only. The stream is proven complete and
 * intact only when migrate_reader_run() returns 0: until then apply RAM
 * to the (not running) guest's memory, stage everything else, and never
 * resume the guest. Unset callbacks skip their sections (after checks).
 */
struct migrate_reader_ops {
	/* Return 0 to accept, -errno and a reason in @err to refuse. */
	int (*config)(void *opaque, const struct migrate_config *cfg, char *err,
		      size_t errlen);
	int (*ram)(void *opaque, const struct migrate_page *page);
	int (*round)(void *opaque, u64 round);
	int (*status)(void *opaque, const void *blob, size_t len);
	int (*device)(void *opaque, const char *name, const void *blob,
		      size_t len);
	int (*vcpu)(void *opaque, u32 index, const void *blob, size_t len);
};

/*
 * Size limits for the opaque sections; 0 picks the default: STATUS 32 +
 * 16 bytes per RAM page of the CONFIG (the host library's worst case),
 * DEVICE and VCPU MIGCTL_STREAM_BLOB_MAX.
 */
struct migrate_reader_limits {
	u64 status_max;
	u64 device_max;
	u64 vcpu_max;
};

/**
 * migrate_reader_create() - a reader over @io/@ctx
 * @limits: NULL for the defaults.
 *
 * Return: 0, -ENOMEM.
 */
int migrate_reader_create(const struct migrate_io *io, void *ctx,
			  const struct migrate_reader_ops *ops, void *opaque,
			  const struct migrate_reader_limits *limits,
			  struct migrate_reader **out);

/** migrate_reader_destroy() - free the reader; NULL is allowed. */
void migrate_reader_destroy(struct migrate_reader *r);

/**
 * migrate_reader_next() - read the header (first call) and one section
 * @type: receives the section's MIGCTL_SEC_* type.
 *
 * Validates the section completely (structure, limits, order) before or
 * while calling its callback. Returns 1 after END was verified.
 *
 * Return: 0 (a section done), 1 (END verified), or -errno with a message:
 *	-ENODATA truncated, -EBADMSG malformed or checksum mismatch,
 *	-EPROTONOSUPPORT unknown format version, -ECONNREFUSED refused by
 *	the config callback, -ETIMEDOUT, other -errno from I/O or callbacks.
 */
int migrate_reader_next(struct migrate_reader *r, u32 *type);

/** migrate_reader_run() - migrate_reader_next() until END: 0 or -errno. */
int migrate_reader_run(struct migrate_reader *r);

/** migrate_reader_error() - the message of the last failure ("" if none). */
const char *migrate_reader_error(const struct migrate_reader *r);

/** migrate_reader_set_error() - set the message (for callbacks that fail). */
void migrate_reader_set_error(struct migrate_reader *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/**
 * migrate_reader_take_blob() - keep a section's data past its callback
 * @blob: the data pointer a status, device or vcpu callback was given.
 *
 * Called from that callback: the reader gives up its buffer, which is
 * then the caller's to free(), and reads later sections into a new one,
 * so a large section (STATUS) is kept without a second copy.
 *
 * Return: @blob, now owned by the caller; NULL if @blob is not the
 * reader's buffer (then copy it as usual).
 */
void *migrate_reader_take_blob(struct migrate_reader *r, const void *blob);

/** migrate_reader_config() - the CONFIG read so far, or NULL before it. */
const struct migrate_config *
migrate_reader_config(const struct migrate_reader *r);

/** migrate_reader_stats() - bytes and pages read so far. */
void migrate_reader_stats(const struct migrate_reader *r,
			  struct migrate_stream_stats *st);

/* --- Replies -------------------------------------------------------------- */

/**
 * migrate_reply_encode() - a reply message into @buf
 * @buf: at least 16 + MIGCTL_REPLY_REASON_MAX bytes.
 * @reason: NULL or text; cut at MIGCTL_REPLY_REASON_MAX bytes.
 *
 * Return: bytes to send, or -EINVAL for an unknown @type.
 */
ssize_t migrate_reply_encode(u32 type, const char *reason, void *buf,
			     size_t len);

/**
 * migrate_reply_decode_header() - check a received 16-byte reply header
 * @reason_len: receives the reason bytes that follow.
 *
 * Return: the MIGCTL_REPLY_* type, or -EBADMSG.
 */
int migrate_reply_decode_header(const void *hdr, u32 *reason_len);

/** migrate_reply_name() - "ACCEPT", "REFUSE", "DONE", "FAIL" or "?". */
const char *migrate_reply_name(u32 type);

/** migrate_section_name() - "CONFIG", "RAM", ... or "?". */
const char *migrate_section_name(u32 type);

#endif /* MIGCTL_VMM_STREAM_H */
