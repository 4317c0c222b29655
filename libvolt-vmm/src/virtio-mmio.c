/*
 * virtio-mmio version 2, device side (virtio 1.x, section 4.2.2).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <string.h>

#include <volt/core/error.h>
#include <volt/core/log.h>

#include "bytes.h"
#include "virtio-mmio.h"

void virtio_mmio_init(struct virtio_mmio *m, const struct guest_mem *mem,
		      const struct virtio_mmio_ops *ops, void *ctx, uint32_t device_id,
		      uint64_t features, unsigned int num_queues)
{
	memset(m, 0, sizeof(*m));
	pthread_mutex_init(&m->lock, NULL);
	m->mem = mem;
	m->ops = ops;
	m->ctx = ctx;
	m->device_id = device_id;
	/* Only the modern interface: a legacy driver finds no VERSION_1 to accept and stops. */
	m->device_features = features | (1ULL << VIRTIO_F_VERSION_1);
	m->num_queues = num_queues > VIRTIO_MMIO_MAX_QUEUES ? VIRTIO_MMIO_MAX_QUEUES : num_queues;
}

void virtio_mmio_destroy(struct virtio_mmio *m)
{
	pthread_mutex_destroy(&m->lock);
}

bool virtio_mmio_live(const struct virtio_mmio *m)
{
	return (m->status & VIRTIO_STATUS_DRIVER_OK) &&
	       !(m->status & (VIRTIO_STATUS_NEEDS_RESET | VIRTIO_STATUS_FAILED));
}

void virtio_mmio_interrupt(struct virtio_mmio *m, unsigned int bits)
{
	atomic_fetch_or(&m->interrupt_status, bits);
	if (m->ops->raise_irq)
		m->ops->raise_irq(m);
}

void virtio_mmio_needs_reset(struct virtio_mmio *m)
{
	if (m->status & VIRTIO_STATUS_NEEDS_RESET)
		return;
	volt_log(VOLT_LOG_DEBUG, "virtio-mmio: device %u needs a reset", m->device_id);
	m->status |= VIRTIO_STATUS_NEEDS_RESET;
	if (m->status & VIRTIO_STATUS_DRIVER_OK)
		virtio_mmio_interrupt(m, VIRTIO_INT_CONFIG_CHANGE);
}

static void device_reset(struct virtio_mmio *m)
{
	if (m->ops->reset)
		m->ops->reset(m);
	m->driver_features = 0;
	m->device_features_sel = m->driver_features_sel = 0;
	m->queue_sel = 0;
	m->status = 0;
	atomic_store(&m->interrupt_status, 0);
	for (unsigned int i = 0; i < VIRTIO_MMIO_MAX_QUEUES; i++)
		m->queues[i] = (struct virtqueue){ 0 };
}

static struct virtqueue *selected_queue(struct virtio_mmio *m)
{
	return m->queue_sel < m->num_queues ? &m->queues[m->queue_sel] : NULL;
}

static uint32_t read_register(struct virtio_mmio *m, uint64_t offset)
{
	struct virtqueue *q = selected_queue(m);

	switch (offset) {
	case VIRTIO_MMIO_MAGIC_VALUE:
		return VIRTIO_MMIO_MAGIC;
	case VIRTIO_MMIO_VERSION:
		return 2;
	case VIRTIO_MMIO_DEVICE_ID:
		return m->device_id;
	case VIRTIO_MMIO_VENDOR_ID:
		return VIRTIO_VENDOR_VOLT;
	case VIRTIO_MMIO_DEVICE_FEATURES:
		if (m->device_features_sel > 1)
			return 0;
		return (uint32_t)(m->device_features >> (32 * m->device_features_sel));
	case VIRTIO_MMIO_QUEUE_NUM_MAX:
		return q ? VQ_SIZE_MAX : 0;
	case VIRTIO_MMIO_QUEUE_READY:
		return q ? q->ready : 0;
	case VIRTIO_MMIO_STATUS:
		return m->status;
	case VIRTIO_MMIO_CONFIG_GENERATION:
		return 0;  /* the config space never changes */
	case VIRTIO_MMIO_SHM_LEN_LOW:
	case VIRTIO_MMIO_SHM_LEN_HIGH:
		return 0xffffffffu;  /* no shared memory regions */
	default:
		return 0;
	}
}

/* The driver sets FEATURES_OK: accept only a subset of ours that includes VERSION_1. */
static void check_features(struct virtio_mmio *m, uint32_t *status)
{
	uint64_t f = m->driver_features;

	if ((f & ~m->device_features) || !(f & (1ULL << VIRTIO_F_VERSION_1))) {
		volt_log(VOLT_LOG_DEBUG, "virtio-mmio: driver features 0x%llx refused",
			 (unsigned long long)f);
		*status &= ~VIRTIO_STATUS_FEATURES_OK;
	}
}

static void write_status(struct virtio_mmio *m, uint32_t value)
{
	if (value == 0) {
		device_reset(m);
		return;
	}
	/* Bits are only ever added by the driver; NEEDS_RESET is ours. */
	value &= ~VIRTIO_STATUS_NEEDS_RESET;
	value |= m->status & VIRTIO_STATUS_NEEDS_RESET;
	if ((value & VIRTIO_STATUS_FEATURES_OK) && !(m->status & VIRTIO_STATUS_FEATURES_OK))
		check_features(m, &value);
	if ((value & VIRTIO_STATUS_DRIVER_OK) && !(m->status & VIRTIO_STATUS_DRIVER_OK)) {
		if (!(value & VIRTIO_STATUS_FEATURES_OK)) {
			value &= ~VIRTIO_STATUS_DRIVER_OK;
		} else {
			bool indirect = m->driver_features & (1ULL << VIRTIO_F_INDIRECT_DESC);

			for (unsigned int i = 0; i < m->num_queues; i++)
				m->queues[i].indirect_ok = indirect;
		}
	}
	m->status = value;
}

static void set_half(uint64_t *v, bool high, uint32_t value)
{
	if (high)
		*v = (*v & 0xffffffffULL) | ((uint64_t)value << 32);
	else
		*v = (*v & ~0xffffffffULL) | value;
}

static void write_queue_ready(struct virtio_mmio *m, struct virtqueue *q, uint32_t value)
{
	int r;

	if (!value) {
		q->ready = false;
		return;
	}
	r = vq_check_layout(m->mem, q);
	if (r < 0) {
		volt_log(VOLT_LOG_DEBUG, "virtio-mmio: queue %u: %s", m->queue_sel,
			 volt_error_message());
		virtio_mmio_needs_reset(m);
		return;
	}
	q->last_avail = q->used_idx = 0;
	q->ready = true;
}

static void write_register(struct virtio_mmio *m, uint64_t offset, uint32_t value)
{
	struct virtqueue *q = selected_queue(m);
	bool queue_writable = q && !q->ready && !(m->status & VIRTIO_STATUS_DRIVER_OK);

	switch (offset) {
	case VIRTIO_MMIO_DEVICE_FEATURES_SEL:
		m->device_features_sel = value;
		break;
	case VIRTIO_MMIO_DRIVER_FEATURES:
		/* Only between DRIVER and FEATURES_OK, as the spec orders. */
		if ((m->status & VIRTIO_STATUS_DRIVER) && !(m->status & VIRTIO_STATUS_FEATURES_OK) &&
		    m->driver_features_sel <= 1)
			set_half(&m->driver_features, m->driver_features_sel == 1, value);
		break;
	case VIRTIO_MMIO_DRIVER_FEATURES_SEL:
		m->driver_features_sel = value;
		break;
	case VIRTIO_MMIO_QUEUE_SEL:
		m->queue_sel = value;
		break;
	case VIRTIO_MMIO_QUEUE_NUM:
		if (queue_writable)
			q->size = value > 0xffff ? 0 : (uint16_t)value;
		break;
	case VIRTIO_MMIO_QUEUE_READY:
		if (q)
			write_queue_ready(m, q, value);
		break;
	case VIRTIO_MMIO_STATUS:
		write_status(m, value);
		break;
	case VIRTIO_MMIO_QUEUE_DESC_LOW:
	case VIRTIO_MMIO_QUEUE_DESC_HIGH:
		if (queue_writable)
			set_half(&q->desc_gpa, offset == VIRTIO_MMIO_QUEUE_DESC_HIGH, value);
		break;
	case VIRTIO_MMIO_QUEUE_DRIVER_LOW:
	case VIRTIO_MMIO_QUEUE_DRIVER_HIGH:
		if (queue_writable)
			set_half(&q->avail_gpa, offset == VIRTIO_MMIO_QUEUE_DRIVER_HIGH, value);
		break;
	case VIRTIO_MMIO_QUEUE_DEVICE_LOW:
	case VIRTIO_MMIO_QUEUE_DEVICE_HIGH:
		if (queue_writable)
			set_half(&q->used_gpa, offset == VIRTIO_MMIO_QUEUE_DEVICE_HIGH, value);
		break;
	default:
		break;  /* read-only or unknown: ignored */
	}
}

void virtio_mmio_access(struct virtio_mmio *m, uint64_t offset, bool is_write, uint8_t *data,
			unsigned int size)
{
	uint32_t v;

	if (offset >= VIRTIO_MMIO_CONFIG) {
		uint64_t off = offset - VIRTIO_MMIO_CONFIG;

		/* Config space: any width; the devices' config is read-only to the driver. */
		if (!is_write) {
			pthread_mutex_lock(&m->lock);
			for (unsigned int i = 0; i < size; i++)
				data[i] = off + i < m->config_len ? m->config[off + i] : 0;
			pthread_mutex_unlock(&m->lock);
		}
		return;
	}
	/* Registers are 32 bits wide and aligned; anything else is ignored. */
	if (size != 4 || offset % 4) {
		if (!is_write)
			memset(data, 0, size);
		return;
	}
	if (!is_write && offset == VIRTIO_MMIO_INTERRUPT_STATUS) {
		v = htole32(atomic_load(&m->interrupt_status));
		memcpy(data, &v, 4);
		return;
	}
	if (is_write && offset == VIRTIO_MMIO_INTERRUPT_ACK) {
		atomic_fetch_and(&m->interrupt_status, ~get_le32(data));
		return;
	}
	if (is_write && offset == VIRTIO_MMIO_QUEUE_NOTIFY) {
		uint32_t queue = get_le32(data);

		if (queue < m->num_queues && m->ops->kick)
			m->ops->kick(m, queue);
		return;
	}
	pthread_mutex_lock(&m->lock);
	if (is_write) {
		write_register(m, offset, get_le32(data));
	} else {
		v = htole32(read_register(m, offset));
		memcpy(data, &v, 4);
	}
	pthread_mutex_unlock(&m->lock);
}

void virtio_mmio_notify(struct virtio_mmio *m, unsigned int queue)
{
	pthread_mutex_lock(&m->lock);
	if (queue < m->num_queues && virtio_mmio_live(m) && m->queues[queue].ready)
		m->ops->queue_notify(m, queue);
	pthread_mutex_unlock(&m->lock);
}

void virtio_mmio_requeue(struct virtio_mmio *m, unsigned int queue)
{
	if (m->ops->kick)
		m->ops->kick(m, queue);
}
