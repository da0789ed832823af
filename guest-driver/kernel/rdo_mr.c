// SPDX-License-Identifier: GPL-2.0
/*
 * rdma_offload: memory regions. Every MR is a REG_MR command naming a page
 * list: for user memory the pinned umem's DMA blocks at the largest page
 * size that fits (4 KiB .. 1 GiB); for the kernel's DMA MR an identity map
 * (iova = DMA address) built of 1 GiB pages over every address the device
 * may be given. The key is the function's number (bits 31:28, 0 on the PF),
 * index << 8 and an 8-bit tag that changes on every registration, so a
 * stale key does not name a later MR. Keys are the device's answers (the
 * command's result); a pipelined registration gives out the key the device
 * will answer, by its rule, and checks the answer when it comes.
 *
 * Registration is pipelined (programming model, "Pipelined registration"):
 * REG_MR and ALLOC_MR are posted and the keys returned at once, without
 * waiting for the device to execute the command. A work request or a
 * peer's request that reaches the MR earlier waits in the device until it
 * has. A registration the device refuses (it should not: the driver chose
 * every argument) is logged and counted (cqp_async_failed in debugfs); the
 * MR then does not exist, so each use of its key fails with a protection
 * error. Deregistration waits for the registration's completion first.
 *
 * Fast registration (kernel ULPs): alloc_mr is an ALLOC_MR command for an
 * empty MR with a DMA-coherent page list of max_num_sg entries; map_mr_sg
 * fills that list (ib_sg_to_pages); an IB_WR_REG_MR work request
 * (rdo_qp.c) hands it to the device, which reads it when it executes the
 * work request and keeps using it until the MR is invalidated.
 *
 * Memory windows (user space: ibv_alloc_mw) take an index of the same
 * space (ALLOC_MW / DEALLOC_MW); the provider binds them with BIND_MW work
 * requests it writes into the SQ itself. While windows are bound to an MR
 * the device refuses its DEREG_MR (IN_USE): dereg_mr returns -EBUSY and
 * changes nothing, and uverbs' clean-up retries it after the windows.
 */
#include <linux/dma-mapping.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "rdo_ib.h"

static bool pipelined_reg = true;
module_param(pipelined_reg, bool, 0644);
MODULE_PARM_DESC(pipelined_reg, "return an MR's keys once its registration is queued, not done (default 1)");

#define RDO_MR_PGSZ_BITMAP	GENMASK_ULL(30, RDO_PAGE_SHIFT)
#define RDO_DMA_MR_SHIFT	30

static const struct {
	int ib;
	u16 rdo;
} rdo_access_map[] = {
	{ IB_ACCESS_LOCAL_WRITE, RDO_ACCESS_LOCAL_WRITE },
	{ IB_ACCESS_REMOTE_WRITE, RDO_ACCESS_REMOTE_WRITE },
	{ IB_ACCESS_REMOTE_READ, RDO_ACCESS_REMOTE_READ },
	{ IB_ACCESS_REMOTE_ATOMIC, RDO_ACCESS_REMOTE_ATOMIC },
	{ IB_ACCESS_MW_BIND, RDO_ACCESS_MW_BIND },
};

/* IB access flags to the device's, or back (to_ib). */
u32 rdo_access_conv(u32 flags, bool to_ib)
{
	u32 out = 0;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(rdo_access_map); i++) {
		if (flags & (to_ib ? rdo_access_map[i].rdo : rdo_access_map[i].ib))
			out |= to_ib ? rdo_access_map[i].ib : rdo_access_map[i].rdo;
	}
	return out;
}

/*
 * Post a REG_MR or ALLOC_MR for a fresh MR index (cmd's arguments filled
 * in) and set the keys; the command may still be queued.
 */
static int rdo_mr_post(struct rdo_dev *rdev, struct rdo_mr *mr,
		       struct rdo_cqp_cmd *cmd, u8 tag)
{
	int idx, ret;

	idx = rdo_id_alloc(rdev, RDO_USE_MR, &rdev->mr_ida, 0, rdev->usable_mrs - 1);
	if (idx < 0)
		return idx;
	cmd->obj = idx;
	/*
	 * Pipelined, the keys are given out before the device answers: the
	 * key it will return (its rule: the function in bits 31:28), checked
	 * when the answer comes. Waiting, the device's answer itself.
	 */
	mr->reg.check_given = pipelined_reg;
	mr->reg.given = rdo_mr_key(rdev, idx, tag);
	ret = rdo_cqp_post(rdev, cmd, &mr->reg);
	/* Unpipelined (to compare): a refusal fails the call as before. */
	if (!ret && !pipelined_reg)
		ret = rdo_cqp_async_wait(rdev, &mr->reg);
	if (ret) {
		rdo_id_free(rdev, RDO_USE_MR, &rdev->mr_ida, idx);
		return ret;
	}
	mr->index = idx;
	mr->ibmr.lkey = pipelined_reg ? mr->reg.given : mr->reg.result;
	mr->ibmr.rkey = mr->ibmr.lkey;
	return 0;
}

/* mr->pages holds npages addresses; on success the keys are set. */
int rdo_mr_register(struct rdo_dev *rdev, struct rdo_mr *mr, u32 pdn,
		    u64 iova, u64 length, u32 page_shift, u32 npages, int access)
{
	struct rdo_cqp_cmd cmd = { .opcode = RDO_CMD_REG_MR };
	int ret;

	cmd.u.reg_mr.iova = iova;
	cmd.u.reg_mr.length = length;
	cmd.u.reg_mr.page_list = mr->pages.dma;
	cmd.u.reg_mr.num_pages = npages;
	cmd.u.reg_mr.page_shift = page_shift;
	cmd.u.reg_mr.key = atomic_inc_return(&rdev->mr_key) & 0xff;
	cmd.u.reg_mr.access = rdo_access_conv(access, false);
	cmd.u.reg_mr.pdn = pdn;
	ret = rdo_mr_post(rdev, mr, &cmd, cmd.u.reg_mr.key);
	if (ret)
		return ret;
	mr->ibmr.iova = iova;
	mr->ibmr.length = length;
	return 0;
}

/*
 * The page list (and the memory it names) is the driver's again only once
 * DEREG_MR succeeded, or the device was reset. Returns 0 then; -EBUSY,
 * with nothing changed, while windows are bound to the MR; another error
 * when both are to be leaked rather than handed back while the device may
 * use them.
 */
int rdo_mr_unregister(struct rdo_dev *rdev, struct rdo_mr *mr)
{
	int ret = rdo_cqp_async_wait(rdev, &mr->reg);

	/* A refused registration left nothing in the device to take back. */
	if (!ret)
		ret = rdo_cqp_simple(rdev, RDO_CMD_DEREG_MR, mr->index);
	else if (!rdo_dead(rdev))
		ret = 0;

	if (ret == -EBUSY && !rdo_dead(rdev))
		return ret;
	if (ret && !rdo_dead(rdev)) {
		dev_err(&rdev->pdev->dev, "DEREG_MR %u failed: %d; its memory is leaked\n",
			mr->index, ret);
		return ret;
	}
	rdo_buf_free(mr->home ?: rdev, &mr->pages);
	rdo_id_free(rdev, RDO_USE_MR, &rdev->mr_ida, mr->index);
	return 0;
}

/*
 * The function serving ibpd now, with the PD's MR lock held so that no
 * move runs meanwhile: registration commands and MR indexes go there.
 * NULL, unlocked, when that function went after a move (rdo_move.c).
 */
static struct rdo_dev *rdo_mr_pd_lock(struct ib_pd *ibpd)
{
	struct rdo_pd *pd = to_rpd(ibpd);

	mutex_lock(&pd->mr_lock);
	if (!pd->lost)
		return pd->rdev;
	mutex_unlock(&pd->mr_lock);
	return NULL;
}

/* Registered (ret 0): the MR joins its PD's list. Unlocks the PD. */
static void rdo_mr_pd_unlock(struct ib_pd *ibpd, struct rdo_mr *mr,
			     struct rdo_dev *srv, int ret)
{
	struct rdo_pd *pd = to_rpd(ibpd);

	if (!ret) {
		mr->rdev = srv;
		mr->home = to_rdev(ibpd->device);
		mr->pd = pd;
		list_add_tail(&mr->pd_node, &pd->mrs);
	}
	mutex_unlock(&pd->mr_lock);
}

struct ib_mr *rdo_get_dma_mr(struct ib_pd *ibpd, int access)
{
	struct rdo_dev *rdev = to_rdev(ibpd->device), *srv;
	u64 span = dma_get_required_mask(&rdev->pdev->dev);
	u32 npages, i;
	struct rdo_mr *mr;
	u64 *list;
	int ret;

	/* 1 GiB pages up to the highest DMA address, within the MR limits. */
	npages = min_t(u64, DIV_ROUND_UP_ULL(span + 1, 1ull << RDO_DMA_MR_SHIFT),
		       (1ull << 40) >> RDO_DMA_MR_SHIFT);
	mr = kzalloc(sizeof(*mr), GFP_KERNEL);
	if (!mr)
		return ERR_PTR(-ENOMEM);
	ret = rdo_buf_alloc(rdev, &mr->pages, npages * sizeof(u64));
	if (ret)
		goto err_free;
	list = mr->pages.va;
	for (i = 0; i < npages; i++)
		list[i] = (u64)i << RDO_DMA_MR_SHIFT;
	/*
	 * With a local DMA key, ib_core asks for the unsafe global rkey's MR
	 * with remote rights only; the device (IBA) wants local write beside
	 * remote write or atomic, which all of memory has anyway.
	 */
	if (access & (IB_ACCESS_REMOTE_WRITE | IB_ACCESS_REMOTE_ATOMIC))
		access |= IB_ACCESS_LOCAL_WRITE;
	srv = rdo_mr_pd_lock(ibpd);
	ret = -EIO;
	if (!srv)
		goto err_pages;
	ret = rdo_mr_register(srv, mr, to_rpd(ibpd)->pdn, 0,
			      (u64)npages << RDO_DMA_MR_SHIFT, RDO_DMA_MR_SHIFT,
			      npages, access);
	rdo_mr_pd_unlock(ibpd, mr, srv, ret);
	if (ret)
		goto err_pages;
	return &mr->ibmr;
err_pages:
	rdo_buf_free(rdev, &mr->pages);
err_free:
	kfree(mr);
	return ERR_PTR(ret);
}

/* User memory pinned and listed for the device: a translation. */
struct rdo_umap {
	struct ib_umem *umem;
	struct rdo_buf pages;
	u32 npages, page_shift;
};

/*
 * Pins [start, start + length) and lists its DMA blocks at the largest
 * page size that fits iova.
 */
static int rdo_umap_get(struct rdo_dev *rdev, struct ib_device *ibdev,
			u64 start, u64 length, u64 iova, int access,
			struct rdo_umap *m)
{
	struct ib_block_iter biter;
	unsigned long pgsz;
	u64 *list;
	u32 i = 0;
	int ret;

	if (!length || length > (1ull << 40))
		return -EINVAL;
	m->umem = rdo_umem_get(rdev, ibdev, start, length, access);
	if (IS_ERR(m->umem))
		return PTR_ERR(m->umem);
	pgsz = ib_umem_find_best_pgsz(m->umem, RDO_MR_PGSZ_BITMAP, iova);
	m->npages = pgsz ? ib_umem_num_dma_blocks(m->umem, pgsz) : 0;
	if (!pgsz || m->npages > RDO_MR_PAGES_MAX) {
		ret = -EINVAL;
		goto err_umem;
	}
	ret = rdo_buf_alloc(rdev, &m->pages, m->npages * sizeof(u64));
	if (ret)
		goto err_umem;
	list = m->pages.va;
	rdma_umem_for_each_dma_block(m->umem, &biter, pgsz)
		list[i++] = rdma_block_iter_dma_address(&biter);
	m->page_shift = order_base_2(pgsz);
	return 0;
err_umem:
	rdo_umem_release(rdev, m->umem);
	return ret;
}

static void rdo_umap_put(struct rdo_dev *rdev, struct rdo_umap *m)
{
	rdo_buf_free(rdev, &m->pages);
	rdo_umem_release(rdev, m->umem);
}

struct ib_mr *rdo_reg_user_mr(struct ib_pd *ibpd, u64 start, u64 length,
			      u64 iova, int access, struct ib_udata *udata)
{
	struct rdo_dev *rdev = to_rdev(ibpd->device), *srv;
	struct rdo_umap m;
	struct rdo_mr *mr;
	int ret;

	mr = kzalloc(sizeof(*mr), GFP_KERNEL);
	if (!mr)
		return ERR_PTR(-ENOMEM);
	ret = rdo_umap_get(rdev, ibpd->device, start, length, iova, access, &m);
	if (ret)
		goto err_free;
	mr->umem = m.umem;
	mr->pages = m.pages;
	mr->access = access;
	srv = rdo_mr_pd_lock(ibpd);
	ret = -EIO;
	if (!srv)
		goto err_umap;
	ret = rdo_mr_register(srv, mr, to_rpd(ibpd)->pdn, iova, length,
			      m.page_shift, m.npages, access);
	rdo_mr_pd_unlock(ibpd, mr, srv, ret);
	if (ret)
		goto err_umap;
	return &mr->ibmr;
err_umap:
	rdo_umap_put(rdev, &m);
err_free:
	kfree(mr);
	return ERR_PTR(ret);
}

/*
 * ibv_rereg_mr: one REREG_MR changes the translation, PD and rights in
 * place (the MR keeps its index; ib_core keeps this ib_mr). A new
 * translation gets a new 8-bit tag, so keys of the old memory name
 * nothing; a change of rights or PD alone keeps the keys, as other RDMA
 * devices do and as rdma-core's tests expect (a peer's rkey stays good).
 * The old pages are released only once the device took the new ones; a
 * refused command leaves the old registration whole.
 */
struct ib_mr *rdo_rereg_user_mr(struct ib_mr *ibmr, int flags, u64 start,
				u64 length, u64 iova, int access,
				struct ib_pd *ibpd, struct ib_udata *udata)
{
	struct rdo_dev *rdev = to_rdev(ibmr->device);
	struct rdo_cqp_cmd cmd = { .opcode = RDO_CMD_REREG_MR };
	struct rdo_cmd_rereg_mr *a = &cmd.u.rereg_mr;
	struct rdo_mr *mr = to_rmr(ibmr);
	struct rdo_umap m = {};
	bool new_memory = flags & IB_MR_REREG_TRANS;
	u32 key;
	int ret;

	if (!mr->umem)
		return ERR_PTR(-EOPNOTSUPP);	/* kernel and fast-reg MRs */
	if (!(flags & IB_MR_REREG_ACCESS))
		access = mr->access;
	/* A new right to write needs the pages pinned for writing. */
	if (!(flags & IB_MR_REREG_TRANS) && (access & IB_ACCESS_LOCAL_WRITE) &&
	    !mr->umem->writable) {
		flags |= IB_MR_REREG_TRANS;
		start = mr->umem->address;
		length = mr->umem->length;
		iova = ibmr->iova;
	}
	cmd.obj = mr->index;
	if (flags & IB_MR_REREG_TRANS) {
		ret = rdo_umap_get(rdev, ibmr->device, start, length, iova,
				   access, &m);
		if (ret)
			return ERR_PTR(ret);
		a->mask |= RDO_REREG_TRANS;
		a->iova = iova;
		a->length = length;
		a->page_list = m.pages.dma;
		a->num_pages = m.npages;
		a->page_shift = m.page_shift;
	}
	if (flags & IB_MR_REREG_PD) {
		a->mask |= RDO_REREG_PD;
		a->pdn = to_rpd(ibpd)->pdn;
	}
	if (flags & IB_MR_REREG_ACCESS) {
		a->mask |= RDO_REREG_ACCESS;
		a->access = rdo_access_conv(access, false);
	}
	a->key = new_memory ? atomic_inc_return(&rdev->mr_key) & 0xff :
			      ibmr->lkey & 0xff;
	ret = rdo_cqp_exec(rdev, &cmd, &key, NULL, 0);
	if (ret) {
		if (m.umem)
			rdo_umap_put(rdev, &m);
		return ERR_PTR(ret);
	}
	if (m.umem) {
		struct rdo_umap old = { .umem = mr->umem, .pages = mr->pages };

		rdo_umap_put(rdev, &old);
		mr->umem = m.umem;
		mr->pages = m.pages;
		ibmr->iova = iova;
		ibmr->length = length;
	}
	mr->access = access;
	ibmr->lkey = key;
	ibmr->rkey = key;
	return NULL;
}

struct ib_mr *rdo_alloc_mr(struct ib_pd *ibpd, enum ib_mr_type type,
			   u32 max_num_sg)
{
	struct rdo_dev *rdev = to_rdev(ibpd->device), *srv;
	struct rdo_cqp_cmd cmd = { .opcode = RDO_CMD_ALLOC_MR };
	struct rdo_mr *mr;
	int ret;

	if (type != IB_MR_TYPE_MEM_REG || !max_num_sg ||
	    max_num_sg > rdev->attr.max_fast_reg_pages)
		return ERR_PTR(-EINVAL);
	mr = kzalloc(sizeof(*mr), GFP_KERNEL);
	if (!mr)
		return ERR_PTR(-ENOMEM);
	ret = rdo_buf_alloc(rdev, &mr->pages, max_num_sg * sizeof(u64));
	if (ret)
		goto err_free;
	cmd.u.alloc_mr.pdn = to_rpd(ibpd)->pdn;
	cmd.u.alloc_mr.max_pages = max_num_sg;
	cmd.u.alloc_mr.max_access = RDO_ACCESS__ALL;
	srv = rdo_mr_pd_lock(ibpd);
	ret = -EIO;
	if (!srv)
		goto err_pages;
	cmd.u.alloc_mr.key = atomic_inc_return(&srv->mr_key) & 0xff;
	ret = rdo_mr_post(srv, mr, &cmd, cmd.u.alloc_mr.key);
	rdo_mr_pd_unlock(ibpd, mr, srv, ret);
	if (ret)
		goto err_pages;
	mr->max_pages = max_num_sg;
	return &mr->ibmr;
err_pages:
	rdo_buf_free(rdev, &mr->pages);
err_free:
	kfree(mr);
	return ERR_PTR(ret);
}

static int rdo_set_page(struct ib_mr *ibmr, u64 addr)
{
	struct rdo_mr *mr = to_rmr(ibmr);
	u64 *list = mr->pages.va;

	if (mr->npages >= mr->max_pages)
		return -ENOMEM;
	list[mr->npages++] = addr;
	return 0;
}

int rdo_map_mr_sg(struct ib_mr *ibmr, struct scatterlist *sg, int sg_nents,
		  unsigned int *sg_offset)
{
	struct rdo_mr *mr = to_rmr(ibmr);

	/* The device takes pages of 4 KiB .. 1 GiB. */
	if (!mr->max_pages || !is_power_of_2(ibmr->page_size) ||
	    ibmr->page_size < RDO_PAGE_SIZE || ibmr->page_size > SZ_1G)
		return -EINVAL;
	mr->npages = 0;
	return ib_sg_to_pages(ibmr, sg, sg_nents, sg_offset, rdo_set_page);
}

int rdo_dereg_mr(struct ib_mr *ibmr, struct ib_udata *udata)
{
	struct rdo_dev *rdev = to_rdev(ibmr->device);
	struct rdo_mr *mr = to_rmr(ibmr);
	int ret = 0;

	/* Through the function serving it (a move may have changed it). */
	mutex_lock(&mr->pd->mr_lock);
	if (mr->lost)		/* its function went: memory only */
		rdo_buf_free(rdev, &mr->pages);
	else
		ret = rdo_mr_unregister(mr->rdev, mr);
	if (ret != -EBUSY)
		list_del(&mr->pd_node);
	mutex_unlock(&mr->pd->mr_lock);
	if (ret == -EBUSY)
		return ret;		/* windows bound: IBA 10.6.7.2.6 */
	if (!ret)
		rdo_umem_release(rdev, mr->umem);
	kfree(mr);
	return 0;
}

int rdo_alloc_mw(struct ib_mw *ibmw, struct ib_udata *udata)
{
	struct rdo_dev *rdev = to_rdev(ibmw->device);
	struct rdo_cqp_cmd cmd = { .opcode = RDO_CMD_ALLOC_MW };
	struct rdo_mw *mw = to_rmw(ibmw);
	u32 key;
	int idx, ret;

	if (ibmw->type != IB_MW_TYPE_1 && ibmw->type != IB_MW_TYPE_2)
		return -EOPNOTSUPP;
	if (!(rdev->attr.mw_types & (ibmw->type == IB_MW_TYPE_1 ?
				     RDO_DEV_MW_TYPE_1 : RDO_DEV_MW_TYPE_2B)))
		return -EOPNOTSUPP;
	idx = rdo_id_alloc(rdev, RDO_USE_MR, &rdev->mr_ida, 0, rdev->usable_mrs - 1);
	if (idx < 0)
		return idx;
	cmd.obj = idx;
	cmd.u.alloc_mw.pdn = to_rpd(ibmw->pd)->pdn;
	cmd.u.alloc_mw.type = ibmw->type == IB_MW_TYPE_1 ? RDO_MW_TYPE_1 :
							   RDO_MW_TYPE_2;
	cmd.u.alloc_mw.key = atomic_inc_return(&rdev->mr_key) & 0xff;
	ret = rdo_cqp_exec(rdev, &cmd, &key, NULL, 0);
	if (ret) {
		rdo_id_free(rdev, RDO_USE_MR, &rdev->mr_ida, idx);
		return ret;
	}
	mw->index = idx;
	ibmw->rkey = key;
	return 0;
}

int rdo_dealloc_mw(struct ib_mw *ibmw)
{
	struct rdo_dev *rdev = to_rdev(ibmw->device);
	struct rdo_mw *mw = to_rmw(ibmw);
	int ret = rdo_cqp_simple(rdev, RDO_CMD_DEALLOC_MW, mw->index);

	/* A window the device may still hold keeps its index. */
	if (ret && !rdo_dead(rdev)) {
		dev_err(&rdev->pdev->dev, "DEALLOC_MW %u failed: %d; its index is leaked\n",
			mw->index, ret);
		return 0;
	}
	rdo_id_free(rdev, RDO_USE_MR, &rdev->mr_ida, mw->index);
	return 0;
}
