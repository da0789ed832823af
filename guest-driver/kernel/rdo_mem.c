// SPDX-License-Identifier: GPL-2.0
/*
 * rdma_offload: DMA memory the device uses. Rings of at most one page are
 * one coherent buffer; larger rings and the context stores are 4 KiB pages
 * named by a page list, so no large contiguous allocation is ever needed.
 */
#include <linux/dma-mapping.h>
#include <linux/slab.h>
#include <rdma/ib_umem.h>

#include "rdo.h"
#include "rdo_ib.h"

int rdo_buf_alloc(struct rdo_dev *rdev, struct rdo_buf *b, size_t size)
{
	b->va = dma_alloc_coherent(&rdev->pdev->dev, size, &b->dma, GFP_KERNEL);
	if (!b->va)
		return -ENOMEM;
	b->size = size;
	return 0;
}

void rdo_buf_free(struct rdo_dev *rdev, struct rdo_buf *b)
{
	if (b->va)
		dma_free_coherent(&rdev->pdev->dev, b->size, b->va, b->dma);
	b->va = NULL;
}

static int rdo_pages_alloc(struct rdo_dev *rdev, struct rdo_ring *r,
			   unsigned int npages)
{
	u64 *list;
	unsigned int i;

	r->pva = kcalloc(npages, sizeof(*r->pva), GFP_KERNEL);
	r->pdma = kcalloc(npages, sizeof(*r->pdma), GFP_KERNEL);
	if (!r->pva || !r->pdma)
		goto err;
	if (rdo_buf_alloc(rdev, &r->list, npages * sizeof(u64)))
		goto err;
	list = r->list.va;
	r->npages = npages;
	for (i = 0; i < npages; i++) {
		r->pva[i] = dma_alloc_coherent(&rdev->pdev->dev, RDO_PAGE_SIZE,
					       &r->pdma[i], GFP_KERNEL);
		if (!r->pva[i])
			goto err;
		list[i] = r->pdma[i];
	}
	return 0;
err:
	rdo_ring_free(rdev, r);
	return -ENOMEM;
}

int rdo_ring_alloc(struct rdo_dev *rdev, struct rdo_ring *r, u32 log_size,
		   u32 stride_shift)
{
	size_t bytes = (size_t)1 << (log_size + stride_shift);

	memset(r, 0, sizeof(*r));
	r->log_size = log_size;
	r->stride_shift = stride_shift;
	if (bytes <= RDO_PAGE_SIZE)
		return rdo_buf_alloc(rdev, &r->cont, bytes);
	if (bytes / RDO_PAGE_SIZE > RDO_RING_MAX_PAGES)
		return -EINVAL;
	return rdo_pages_alloc(rdev, r, bytes / RDO_PAGE_SIZE);
}

int rdo_store_alloc(struct rdo_dev *rdev, struct rdo_ring *r,
		    unsigned int npages)
{
	memset(r, 0, sizeof(*r));
	r->stride_shift = RDO_PAGE_SHIFT;
	return rdo_pages_alloc(rdev, r, npages);
}

struct ib_umem *rdo_umem_get(struct rdo_dev *rdev, struct ib_device *ibdev,
			     u64 addr, size_t size, int access)
{
	struct ib_umem *umem = ib_umem_get(ibdev, addr, size, access);

	if (!IS_ERR(umem))
		atomic_long_add(ib_umem_num_pages(umem),
				&rdev->in_use[RDO_USE_PINNED_PAGES]);
	return umem;
}

void rdo_umem_release(struct rdo_dev *rdev, struct ib_umem *umem)
{
	if (!umem)
		return;
	atomic_long_sub(ib_umem_num_pages(umem), &rdev->in_use[RDO_USE_PINNED_PAGES]);
	ib_umem_release(umem);
}

void rdo_ring_free(struct rdo_dev *rdev, struct rdo_ring *r)
{
	unsigned int i;

	rdo_buf_free(rdev, &r->cont);
	if (r->pva) {
		for (i = 0; i < r->npages; i++)
			if (r->pva[i])
				dma_free_coherent(&rdev->pdev->dev, RDO_PAGE_SIZE,
						  r->pva[i], r->pdma[i]);
	}
	rdo_buf_free(rdev, &r->list);
	rdo_umem_release(rdev, r->umem);
	r->umem = NULL;
	kfree(r->pva);
	kfree(r->pdma);
	r->pva = NULL;
	r->pdma = NULL;
	r->npages = 0;
}

/* Entries never straddle pages: strides are powers of two up to 1 KiB. */
void *rdo_ring_entry(const struct rdo_ring *r, u32 idx)
{
	size_t off = (size_t)(idx & ((1u << r->log_size) - 1)) << r->stride_shift;

	if (!r->npages)
		return r->cont.va + off;
	return r->pva[off >> RDO_PAGE_SHIFT] + (off & (RDO_PAGE_SIZE - 1));
}

u64 rdo_ring_addr(const struct rdo_ring *r)
{
	return r->npages ? r->list.dma : r->cont.dma;
}

u8 rdo_ring_flags(const struct rdo_ring *r)
{
	return r->npages ? RDO_RING_F_PAGE_LIST : 0;
}
