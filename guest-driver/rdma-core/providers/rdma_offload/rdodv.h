/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * rdodv.h: the rdma-offload provider's own verbs for applications
 * (installed as <infiniband/rdodv.h>). Use them only on an rdma-offload
 * device (rdodv_is_rdo): another provider may take the private bits for
 * something else, or ignore them.
 *
 * Buffer groups with partial buffers (D10; docs/programming-model.md,
 * "Partial buffers"): an SRQ is a group of receive buffers its QPs share
 * (a QP joins by being created with it). rdodv_srq_set_partial(srq, s),
 * s 6..12, turns on partial buffer operation: the device places
 * single-packet SENDs of any of the SRQ's QPs one after another into the
 * same posted buffer, each at the next offset that is a multiple of 2^s,
 * with one completion each on the receiving QP's CQ: the buffer's wr_id,
 * byte_len, wc_flags RDODV_WC_OFFSET and the offset (rdodv_wc_offset).
 * A buffer stays the device's until a completion with RDODV_WC_BUF_DONE
 * names it: the last message that fits, or one of byte_len 0 (no message)
 * when the next message did not fit the rest. A multi-packet SEND or a
 * WRITE with immediate takes a buffer of its own (OFFSET, offset 0,
 * BUF_DONE); UD completions are as without partial operation. Buffers
 * may have at most 4 SGEs (ibv_post_srq_recv: EINVAL). s = 0 turns it
 * off. Returns 0 or an errno: EBUSY while the device holds one of the
 * SRQ's buffers in use (turn it on before posting, or after a BUF_DONE),
 * EINVAL for another shift. The kernel's equivalent is
 * rdo_ib_srq_set_partial() (rdma_offload-verbs.h).
 */
#ifndef RDODV_H
#define RDODV_H

#include <stdbool.h>
#include <stdint.h>
#include <infiniband/verbs.h>

#define RDODV_VENDOR_ID		0x1af4
#define RDODV_PART_ID		0x10f0
#define RDODV_PART_ID_VF	0x10f1

/* ibv_wc.wc_flags (and ibv_wc_read_wc_flags) of a partial SRQ's receive. */
#define RDODV_WC_OFFSET		(1u << 29)	/* the message is at rdodv_wc_offset() */
#define RDODV_WC_BUF_DONE	(1u << 30)	/* the buffer is the application's again */

/* ibv_modify_srq attr_mask bit: srq_limit carries the stride shift. */
#define RDODV_SRQ_ATTR_PARTIAL	(1 << 30)

static inline bool rdodv_is_rdo(struct ibv_context *ctx)
{
	struct ibv_device_attr a;

	return !ibv_query_device(ctx, &a) && a.vendor_id == RDODV_VENDOR_ID &&
	       (a.vendor_part_id == RDODV_PART_ID || a.vendor_part_id == RDODV_PART_ID_VF);
}

static inline int rdodv_srq_set_partial(struct ibv_srq *srq, unsigned int stride_shift)
{
	struct ibv_srq_attr attr = { .srq_limit = stride_shift };

	return ibv_modify_srq(srq, &attr, RDODV_SRQ_ATTR_PARTIAL);
}

static inline uint32_t rdodv_wc_offset(const struct ibv_wc *wc)
{
	return wc->src_qp;	/* the device's CQE keeps it there */
}

#endif /* RDODV_H */
