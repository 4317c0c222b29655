/*
 * Split virtqueues, device side; see virtqueue.h for the rules enforced.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <volt/core/error.h>
#include <volt/core/log.h>

#include "bytes.h"
#include "virtqueue.h"

#define DESC_SIZE 16u

struct desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

static uint64_t avail_bytes(uint16_t size)
{
	return 6 + 2ULL * size;
}

static uint64_t used_bytes(uint16_t size)
{
	return 6 + 8ULL * size;
}

static bool ranges_overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;  /* both inside guest memory: no wrap */
}

int vq_check_layout(const struct guest_mem *mem, const struct virtqueue *vq)
{
	if (vq->size == 0 || vq->size > VQ_SIZE_MAX || (vq->size & (vq->size - 1)))
		return volt_error_set(EINVAL, "queue size %u is not a power of 2 up to %u", vq->size,
				      VQ_SIZE_MAX);
	if (vq->desc_gpa % 16 || vq->avail_gpa % 2 || vq->used_gpa % 4)
		return volt_error_set(EINVAL, "misaligned queue areas");
	if (!guest_mem_ptr(mem, vq->desc_gpa, (uint64_t)DESC_SIZE * vq->size) ||
	    !guest_mem_ptr(mem, vq->avail_gpa, avail_bytes(vq->size)) ||
	    !guest_mem_ptr(mem, vq->used_gpa, used_bytes(vq->size)))
		return volt_error_set(EINVAL, "queue areas outside guest memory");
	/* Our used-ring writes must not change what we read from the other two. */
	if (ranges_overlap(vq->used_gpa, used_bytes(vq->size), vq->desc_gpa, (uint64_t)DESC_SIZE * vq->size) ||
	    ranges_overlap(vq->used_gpa, used_bytes(vq->size), vq->avail_gpa, avail_bytes(vq->size)))
		return volt_error_set(EINVAL, "the device area overlaps the descriptor table or driver area");
	return 0;
}

static uint16_t load16_acquire(const uint8_t *p)
{
	return le16toh(__atomic_load_n((const uint16_t *)(const void *)p, __ATOMIC_ACQUIRE));
}

/* A copy of descriptor @i of the table at @table: the guest may change it under us. */
static struct desc read_desc(const uint8_t *table, unsigned int i)
{
	const uint8_t *p = table + (size_t)i * DESC_SIZE;

	return (struct desc){
		.addr = get_le64(p),
		.len = get_le32(p + 8),
		.flags = get_le16(p + 12),
		.next = get_le16(p + 14),
	};
}

static int add_seg(const struct guest_mem *mem, struct vq_chain *c, const struct desc *d)
{
	bool writable = d->flags & VIRTQ_DESC_F_WRITE;
	uint8_t *host;

	if (!writable && c->n > c->n_readable) {
		volt_log(VOLT_LOG_DEBUG, "virtqueue: readable buffer after a writable one");
		return -EINVAL;
	}
	if (c->n >= VQ_CHAIN_MAX) {
		volt_log(VOLT_LOG_DEBUG, "virtqueue: chain longer than %u buffers", VQ_CHAIN_MAX);
		return -EINVAL;
	}
	host = guest_mem_ptr(mem, d->addr, d->len);
	if (!host) {
		volt_log(VOLT_LOG_DEBUG, "virtqueue: buffer 0x%llx+%u outside guest memory",
			 (unsigned long long)d->addr, d->len);
		return -EINVAL;
	}
	if (d->len == 0)
		return 0;
	c->seg[c->n++] = (struct vq_seg){ .host = host, .len = d->len, .writable = writable };
	if (writable)
		c->writable_bytes += d->len;
	else {
		c->n_readable++;
		c->readable_bytes += d->len;
	}
	return 0;
}

/* The buffers of an indirect table: same checks, no nesting. */
static int walk_indirect(const struct guest_mem *mem, struct vq_chain *c, const struct desc *d)
{
	const uint8_t *table;
	unsigned int entries, i = 0, count = 0;

	if (d->len == 0 || d->len % DESC_SIZE || d->len / DESC_SIZE > VQ_CHAIN_MAX)
		return -EINVAL;
	entries = d->len / DESC_SIZE;
	table = guest_mem_ptr(mem, d->addr, d->len);
	if (!table)
		return -EINVAL;
	for (;;) {
		struct desc e = read_desc(table, i);
		int r;

		if (++count > entries || (e.flags & VIRTQ_DESC_F_INDIRECT))
			return -EINVAL;
		r = add_seg(mem, c, &e);
		if (r < 0)
			return r;
		if (!(e.flags & VIRTQ_DESC_F_NEXT))
			return 0;
		if (e.next >= entries)
			return -EINVAL;
		i = e.next;
	}
}

static int by_address(const void *a, const void *b)
{
	const struct vq_seg *x = *(const struct vq_seg *const *)a, *y = *(const struct vq_seg *const *)b;

	return x->host < y->host ? -1 : x->host > y->host;
}

/* Buffers of one request must not overlap: a read into one would change another. Sorted, so O(n log n). */
static bool any_overlap(const struct vq_chain *c)
{
	const struct vq_seg *order[VQ_CHAIN_MAX];

	for (unsigned int i = 0; i < c->n; i++)
		order[i] = &c->seg[i];
	qsort(order, c->n, sizeof(order[0]), by_address);
	for (unsigned int i = 1; i < c->n; i++)
		if (order[i - 1]->host + order[i - 1]->len > order[i]->host)
			return true;
	return false;
}

static int walk_chain(const struct guest_mem *mem, const struct virtqueue *vq, struct vq_chain *c)
{
	const uint8_t *table = guest_mem_ptr(mem, vq->desc_gpa, (uint64_t)DESC_SIZE * vq->size);
	unsigned int i = c->head, count = 0;
	int r;

	if (!table)
		return -EINVAL;
	for (;;) {
		struct desc d = read_desc(table, i);

		/* A chain longer than the queue must loop. */
		if (++count > vq->size)
			return -EINVAL;
		if (d.flags & VIRTQ_DESC_F_INDIRECT) {
			if (!vq->indirect_ok || (d.flags & VIRTQ_DESC_F_NEXT))
				return -EINVAL;
			r = walk_indirect(mem, c, &d);
		} else {
			r = add_seg(mem, c, &d);
		}
		if (r < 0)
			return r;
		if (!(d.flags & VIRTQ_DESC_F_NEXT))
			break;
		if (d.next >= vq->size)
			return -EINVAL;
		i = d.next;
	}
	return any_overlap(c) ? -EINVAL : 0;
}

int vq_pop(const struct guest_mem *mem, struct virtqueue *vq, struct vq_chain *chain)
{
	const uint8_t *avail;
	uint16_t idx, pending, head;

	if (!vq->ready)
		return VQ_EMPTY;
	avail = guest_mem_ptr(mem, vq->avail_gpa, avail_bytes(vq->size));
	if (!avail)
		return volt_error_set(EPROTO, "driver area outside guest memory");
	idx = load16_acquire(avail + 2);
	pending = (uint16_t)(idx - vq->last_avail);
	if (pending == 0)
		return VQ_EMPTY;
	if (pending > vq->size)
		return volt_error_set(EPROTO, "avail index %u is %u entries ahead of a queue of %u",
				      idx, pending, vq->size);
	head = get_le16(avail + 4 + 2 * (vq->last_avail % vq->size));
	if (head >= vq->size)
		return volt_error_set(EPROTO, "avail ring names descriptor %u of a queue of %u", head,
				      vq->size);
	vq->last_avail++;
	chain->head = head;
	chain->n = chain->n_readable = 0;
	chain->readable_bytes = chain->writable_bytes = 0;
	if (walk_chain(mem, vq, chain) < 0) {
		volt_log(VOLT_LOG_DEBUG, "virtqueue: bad descriptor chain at head %u", head);
		chain->n = chain->n_readable = 0;
		chain->readable_bytes = chain->writable_bytes = 0;
		return VQ_BAD_CHAIN;
	}
	return VQ_CHAIN;
}

void vq_unpop(struct virtqueue *vq)
{
	vq->last_avail--;
}

int vq_push(const struct guest_mem *mem, struct virtqueue *vq, uint16_t head, uint32_t written)
{
	uint8_t *used = guest_mem_ptr(mem, vq->used_gpa, used_bytes(vq->size));
	uint8_t *elem;
	uint32_t v;

	if (!used)
		return volt_error_set(EPROTO, "device area outside guest memory");
	elem = used + 4 + 8 * (size_t)(vq->used_idx % vq->size);
	v = htole32(head);
	memcpy(elem, &v, 4);
	v = htole32(written);
	memcpy(elem + 4, &v, 4);
	vq->used_idx++;
	/* The element must be visible before the index that publishes it. */
	__atomic_store_n((uint16_t *)(void *)(used + 2), htole16(vq->used_idx), __ATOMIC_RELEASE);
	return 0;
}

bool vq_wants_interrupt(const struct guest_mem *mem, const struct virtqueue *vq)
{
	const uint8_t *avail = guest_mem_ptr(mem, vq->avail_gpa, avail_bytes(vq->size));

	/* Our used index must be visible before we read the driver's flags. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return !avail || !(load16_acquire(avail) & VIRTQ_AVAIL_F_NO_INTERRUPT);
}

int vq_chain_iov(const struct vq_chain *c, bool writable, uint64_t off, uint64_t len,
		 struct iovec *iov, unsigned int max)
{
	unsigned int first = writable ? c->n_readable : 0, last = writable ? c->n : c->n_readable;
	unsigned int count = 0;

	for (unsigned int i = first; i < last && len; i++) {
		const struct vq_seg *s = &c->seg[i];
		uint64_t take;

		if (off >= s->len) {
			off -= s->len;
			continue;
		}
		take = s->len - off;
		if (take > len)
			take = len;
		if (count == max)
			return -E2BIG;
		iov[count++] = (struct iovec){ .iov_base = s->host + off, .iov_len = (size_t)take };
		len -= take;
		off = 0;
	}
	return len ? -EFAULT : (int)count;
}

static int chain_copy(const struct vq_chain *c, bool writable, uint64_t off, void *buf,
		      size_t len)
{
	struct iovec iov[VQ_CHAIN_MAX];
	uint8_t *p = buf;
	int n = vq_chain_iov(c, writable, off, len, iov, VQ_CHAIN_MAX);

	if (n < 0)
		return -EFAULT;
	for (int i = 0; i < n; i++) {
		if (writable)
			memcpy(iov[i].iov_base, p, iov[i].iov_len);
		else
			memcpy(p, iov[i].iov_base, iov[i].iov_len);
		p += iov[i].iov_len;
	}
	return 0;
}

int vq_chain_read(const struct vq_chain *c, uint64_t off, void *buf, size_t len)
{
	return chain_copy(c, false, off, buf, len);
}

int vq_chain_write(const struct vq_chain *c, uint64_t off, const void *buf, size_t len)
{
	return chain_copy(c, true, off, (void *)buf, len);
}
