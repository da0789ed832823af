// SPDX-License-Identifier: GPL-2.0
/*
 * rdma_offload: user contexts. Each ucontext (one ibv_open_device) owns one
 * doorbell page of BAR 2, mapped into the process uncached; the device
 * binds every queue the process creates to that page and refuses doorbells
 * for it on any other, so processes cannot ring each other's queues. Page
 * 0 stays the kernel's. With push RAM the process also maps its doorbell
 * page's push page, write-combined (the device pairs the two).
 *
 * User rings are the process's own pages, pinned with ib_umem and named to
 * the device either directly (a ring of at most one page) or through a
 * page list the driver builds (RDO_RING_F_PAGE_LIST).
 */
#include <linux/slab.h>

#include "rdo_ib.h"

struct rdo_mmap_entry {
	struct rdma_user_mmap_entry rdma;
	phys_addr_t addr;
	bool write_combine;		/* a push page; doorbells are uncached */
};

static struct rdo_mmap_entry *to_rme(struct rdma_user_mmap_entry *e)
{
	return container_of(e, struct rdo_mmap_entry, rdma);
}

/*
 * The process's push page (the one its doorbell page pairs with). It is
 * memory that keeps what the page's last process wrote (and it can be
 * read), so it is cleared before this one gets it.
 */
static int rdo_push_entry_add(struct rdo_dev *rdev, struct rdo_ucontext *uc)
{
	phys_addr_t addr = pci_resource_start(rdev->pdev, RDO_BAR_DOORBELL) +
			   ((phys_addr_t)(rdev->push_ram_first + uc->db_page) << PAGE_SHIFT);
	void __iomem *page;
	int ret;

	page = ioremap_wc(addr, PAGE_SIZE);
	if (!page)
		return -ENOMEM;
	memset_io(page, 0, PAGE_SIZE);
	wmb();	/* cleared before the process can map it */
	iounmap(page);
	uc->push_entry = kzalloc(sizeof(*uc->push_entry), GFP_KERNEL);
	if (!uc->push_entry)
		return -ENOMEM;
	uc->push_entry->addr = addr;
	uc->push_entry->write_combine = true;
	ret = rdma_user_mmap_entry_insert(&uc->ibuc, &uc->push_entry->rdma,
					  PAGE_SIZE);
	if (ret) {
		kfree(uc->push_entry);
		uc->push_entry = NULL;
	}
	return ret;
}

int rdo_alloc_ucontext(struct ib_ucontext *ibuc, struct ib_udata *udata)
{
	struct rdo_dev *rdev = to_rdev(ibuc->device);
	struct rdo_ucontext *uc = to_ruc(ibuc);
	struct rdo_alloc_ucontext_resp resp = {};
	u32 pages = RDO_DB_INFO_NUM_PAGES(rdev->db_info);
	int page, ret;

	if (RDO_DB_INFO_PAGE_SHIFT(rdev->db_info) != PAGE_SHIFT)
		return -EOPNOTSUPP;	/* one doorbell page per CPU page */
	pages = min_t(u64, pages, rdev->db_len >> PAGE_SHIFT);
	if (pages < 2)
		return -ENOSPC;
	page = ida_alloc_range(&rdev->db_ida, 1, pages - 1, GFP_KERNEL);
	if (page < 0)
		return page == -ENOSPC ? -EMFILE : page;
	uc->db_page = page;
	uc->db_entry = kzalloc(sizeof(*uc->db_entry), GFP_KERNEL);
	if (!uc->db_entry) {
		ret = -ENOMEM;
		goto err_page;
	}
	uc->db_entry->addr = pci_resource_start(rdev->pdev, RDO_BAR_DOORBELL) +
			     ((phys_addr_t)page << PAGE_SHIFT);
	ret = rdma_user_mmap_entry_insert(ibuc, &uc->db_entry->rdma, PAGE_SIZE);
	if (ret) {
		kfree(uc->db_entry);
		goto err_page;
	}

	resp.db_mmap_offset = rdma_user_mmap_get_offset(&uc->db_entry->rdma);
	resp.db_page = page;
	resp.max_inline = rdev->attr.max_inline;
	resp.push_max = RDO_DB_PUSH_MAX_WQE;
	resp.max_qp_log_size = min_t(u32, rdev->attr.max_qp_log_size,
				     RDO_QUEUE_LOG_SIZE_MAX);
	resp.max_cq_log_size = min_t(u32, rdev->attr.max_cq_log_size,
				     RDO_QUEUE_LOG_SIZE_MAX);
	if (rdev->push_ram) {
		ret = rdo_push_entry_add(rdev, uc);
		if (ret)
			goto err_entry;
		resp.push_ram_mmap_offset = rdma_user_mmap_get_offset(&uc->push_entry->rdma);
		resp.flags |= RDO_UCTX_PUSH_RAM;
	}
	ret = rdo_udata_out(udata, &resp, sizeof(resp));
	if (ret)
		goto err_push;
	return 0;
err_push:
	if (uc->push_entry)
		rdma_user_mmap_entry_remove(&uc->push_entry->rdma);
err_entry:
	rdma_user_mmap_entry_remove(&uc->db_entry->rdma);
err_page:
	ida_free(&rdev->db_ida, page);
	return ret;
}

/*
 * ib_core calls this once every object of the context is destroyed and no
 * mapping is left (a closed file, or disassociation zapped them), so the
 * page can go to the next process.
 */
void rdo_dealloc_ucontext(struct ib_ucontext *ibuc)
{
	struct rdo_ucontext *uc = to_ruc(ibuc);

	if (uc->push_entry)
		rdma_user_mmap_entry_remove(&uc->push_entry->rdma);
	rdma_user_mmap_entry_remove(&uc->db_entry->rdma);
	ida_free(&to_rdev(ibuc->device)->db_ida, uc->db_page);
}

int rdo_mmap(struct ib_ucontext *ibuc, struct vm_area_struct *vma)
{
	struct rdma_user_mmap_entry *e;
	int ret;

	if (vma->vm_end - vma->vm_start != PAGE_SIZE)
		return -EINVAL;
	e = rdma_user_mmap_entry_get(ibuc, vma);
	if (!e)
		return -EINVAL;
	ret = rdma_user_mmap_io(ibuc, vma, PHYS_PFN(to_rme(e)->addr), PAGE_SIZE,
				to_rme(e)->write_combine ?
				pgprot_writecombine(vma->vm_page_prot) :
				pgprot_noncached(vma->vm_page_prot), e);
	rdma_user_mmap_entry_put(e);
	return ret;
}

void rdo_mmap_free(struct rdma_user_mmap_entry *e)
{
	kfree(to_rme(e));
}

/*
 * A ring of 2^log_size entries of 2^stride_shift bytes at user address
 * addr (page-aligned): pin it and name its pages the device's way.
 */
int rdo_ring_from_user(struct rdo_dev *rdev, struct ib_device *ibdev,
		       struct rdo_ring *r, u64 addr, u32 log_size,
		       u32 stride_shift)
{
	size_t bytes = (size_t)1 << (log_size + stride_shift);
	size_t len = ALIGN(bytes, RDO_PAGE_SIZE);
	struct ib_block_iter biter;
	unsigned int i = 0;
	u64 *list;
	int ret;

	memset(r, 0, sizeof(*r));
	if (!addr || addr & (RDO_PAGE_SIZE - 1) || len / RDO_PAGE_SIZE > RDO_RING_MAX_PAGES)
		return -EINVAL;
	r->log_size = log_size;
	r->stride_shift = stride_shift;
	r->umem = rdo_umem_get(rdev, ibdev, addr, len, IB_ACCESS_LOCAL_WRITE);
	if (IS_ERR(r->umem)) {
		ret = PTR_ERR(r->umem);
		r->umem = NULL;
		return ret;
	}
	if (ib_umem_num_dma_blocks(r->umem, RDO_PAGE_SIZE) != len / RDO_PAGE_SIZE) {
		ret = -EINVAL;
		goto err;
	}
	if (len == RDO_PAGE_SIZE) {
		rdma_umem_for_each_dma_block(r->umem, &biter, RDO_PAGE_SIZE)
			r->cont.dma = rdma_block_iter_dma_address(&biter);
		return 0;
	}
	ret = rdo_buf_alloc(rdev, &r->list, len / RDO_PAGE_SIZE * sizeof(u64));
	if (ret)
		goto err;
	list = r->list.va;
	rdma_umem_for_each_dma_block(r->umem, &biter, RDO_PAGE_SIZE)
		list[i++] = rdma_block_iter_dma_address(&biter);
	r->npages = i;
	return 0;
err:
	rdo_umem_release(rdev, r->umem);
	r->umem = NULL;
	return ret;
}

/* Copy in a request of at least `need` bytes (more must be zero). */
int rdo_udata_in(struct ib_udata *udata, void *req, size_t size)
{
	if (udata->inlen < size)
		return -EINVAL;
	if (udata->inlen > size &&
	    !ib_is_udata_cleared(udata, size, udata->inlen - size))
		return -EOPNOTSUPP;
	return ib_copy_from_udata(req, udata, size);
}

int rdo_udata_out(struct ib_udata *udata, void *resp, size_t size)
{
	return ib_copy_to_udata(udata, resp, min(udata->outlen, size));
}
