// SPDX-License-Identifier: GPL-2.0
/*
 * rdma_offload: the control QP. Starting it (context stores, EQ 0, the two
 * CQP rings, the set-up registers), and submitting commands: a command goes
 * into the next ring slot and CQP_PI moves past it; the caller sleeps until
 * the CQP_DONE event on EQ 0 (rdo_cqp_poll) hands it the completion. A
 * command that is not answered in time means the device is broken: it is
 * reset and recovery is scheduled (rdo_dev_fatal).
 */
#include <linux/iopoll.h>
#include <linux/log2.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "rdo.h"

static unsigned int cqp_timeout_ms = 5000;
module_param(cqp_timeout_ms, uint, 0644);
MODULE_PARM_DESC(cqp_timeout_ms, "control QP command timeout (default 5000)");

static unsigned int max_qps = 16384;
module_param(max_qps, uint, 0444);
MODULE_PARM_DESC(max_qps, "QP numbers covered by the QP context store (default 16384)");

static unsigned int max_mrs = 16384;
module_param(max_mrs, uint, 0444);
MODULE_PARM_DESC(max_mrs, "MRs covered by the MR context store (default 16384)");

#define RDO_CQP_LOG_SIZE	6	/* 64 commands in flight */
#define RDO_MRC_PER_PAGE	(RDO_PAGE_SIZE / RDO_MRC_SIZE)
#define RDO_CQP_START_US	(2 * USEC_PER_SEC)

static const char *const rdo_status_names[] = {
	[RDO_CQP_OK] = "OK",
	[RDO_CQP_BAD_OPCODE] = "BAD_OPCODE",
	[RDO_CQP_BAD_INDEX] = "BAD_INDEX",
	[RDO_CQP_EXISTS] = "EXISTS",
	[RDO_CQP_NOT_FOUND] = "NOT_FOUND",
	[RDO_CQP_BAD_PARAM] = "BAD_PARAM",
	[RDO_CQP_BAD_STATE] = "BAD_STATE",
	[RDO_CQP_DMA_ERROR] = "DMA_ERROR",
	[RDO_CQP_IN_USE] = "IN_USE",
	[RDO_CQP_BAD_RESERVED] = "BAD_RESERVED",
};

const char *rdo_cqp_status_name(unsigned int status)
{
	if (status < ARRAY_SIZE(rdo_status_names) && rdo_status_names[status])
		return rdo_status_names[status];
	return "UNKNOWN";
}

static int rdo_cqp_errno(u8 status)
{
	switch (status) {
	case RDO_CQP_OK:
		return 0;
	case RDO_CQP_EXISTS:
		return -EEXIST;
	case RDO_CQP_NOT_FOUND:
		return -ENOENT;
	case RDO_CQP_IN_USE:
		return -EBUSY;
	case RDO_CQP_DMA_ERROR:
		return -EFAULT;
	case RDO_CQP_BAD_OPCODE:
		return -EOPNOTSUPP;
	default:
		return -EINVAL;
	}
}

static void rdo_stores_free(struct rdo_dev *rdev)
{
	rdo_ring_free(rdev, &rdev->qpc);
	rdo_ring_free(rdev, &rdev->mrc);
}

/* Everything the device may write to; only after it was reset. */
void rdo_cqp_free(struct rdo_dev *rdev)
{
	struct rdo_cqp *cqp = &rdev->cqp;

	rdo_buf_free(rdev, &cqp->cmds);
	rdo_buf_free(rdev, &cqp->comps);
	rdo_buf_free(rdev, &cqp->out);
	kfree(cqp->wait);
	cqp->wait = NULL;
	rdo_eq_rings_free(rdev);
	rdo_stores_free(rdev);
}

static int rdo_cqp_alloc(struct rdo_dev *rdev)
{
	struct rdo_cqp *cqp = &rdev->cqp;
	u32 n = 1u << RDO_CQP_LOG_SIZE, i;
	int ret;

	cqp->log_size = RDO_CQP_LOG_SIZE;
	cqp->pi = 0;
	cqp->ci = 0;
	spin_lock_init(&cqp->lock);
	init_waitqueue_head(&cqp->room);
	cqp->wait = kcalloc(n, sizeof(*cqp->wait), GFP_KERNEL);
	if (!cqp->wait)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		init_completion(&cqp->wait[i].done);
	ret = rdo_buf_alloc(rdev, &cqp->cmds, n * RDO_CQP_CMD_SIZE);
	if (!ret)
		ret = rdo_buf_alloc(rdev, &cqp->comps, n * RDO_CQP_COMP_SIZE);
	if (!ret)
		ret = rdo_buf_alloc(rdev, &cqp->out, n * RDO_CQP_OUT_SIZE);
	return ret;
}

/*
 * QP contexts per store page: QPC_ENTRY_SIZE is larger with failover on
 * (the device keeps each QP's transport hard state after its context).
 */
static u32 rdo_qpc_per_page(struct rdo_dev *rdev)
{
	u32 entry = rdo_rd32(rdev, RDO_REG_QPC_ENTRY_SIZE);

	if (entry < RDO_QPC_SIZE || entry > RDO_PAGE_SIZE || !is_power_of_2(entry))
		entry = RDO_QPC_SIZE;
	return RDO_PAGE_SIZE / entry;
}

static int rdo_stores_alloc(struct rdo_dev *rdev)
{
	u32 qps = min(rdo_rd32(rdev, RDO_REG_MAX_QP), max(max_qps, 4u));
	u32 mrs = min(rdo_rd32(rdev, RDO_REG_MAX_MR), max(max_mrs, 1u));
	int ret;

	ret = rdo_store_alloc(rdev, &rdev->qpc, DIV_ROUND_UP(qps, rdo_qpc_per_page(rdev)));
	if (ret)
		return ret;
	return rdo_store_alloc(rdev, &rdev->mrc, DIV_ROUND_UP(mrs, RDO_MRC_PER_PAGE));
}

static void rdo_wr64(struct rdo_dev *rdev, u32 lo, u64 val)
{
	rdo_wr32(rdev, lo, lower_32_bits(val));
	rdo_wr32(rdev, lo + 4, upper_32_bits(val));
}

/* Bring-up sequence, "Starting it" in the programming model. */
int rdo_cqp_start(struct rdo_dev *rdev)
{
	struct device *dev = &rdev->pdev->dev;
	struct rdo_cqp *cqp = &rdev->cqp;
	u32 val;
	int ret;

	ret = rdo_cqp_alloc(rdev);
	if (!ret)
		ret = rdo_eq0_alloc(rdev);
	if (!ret)
		ret = rdo_stores_alloc(rdev);
	if (ret) {
		dev_err(dev, "cannot allocate control path memory\n");
		goto err;
	}

	rdo_wr64(rdev, RDO_REG_CQP_RING_LO, cqp->cmds.dma);
	rdo_wr64(rdev, RDO_REG_CQP_COMP_LO, cqp->comps.dma);
	rdo_wr32(rdev, RDO_REG_CQP_LOG_SIZE, cqp->log_size);
	rdo_wr64(rdev, RDO_REG_EQ0_RING_LO, rdo_ring_addr(&rdev->eqs[0].ring));
	rdo_wr32(rdev, RDO_REG_EQ0_LOG_SIZE, rdev->eqs[0].ring.log_size);
	rdo_wr64(rdev, RDO_REG_QPC_PGLIST_LO, rdev->qpc.list.dma);
	rdo_wr32(rdev, RDO_REG_QPC_PAGES, rdev->qpc.npages);
	rdo_wr64(rdev, RDO_REG_MRC_PGLIST_LO, rdev->mrc.list.dma);
	rdo_wr32(rdev, RDO_REG_MRC_PAGES, rdev->mrc.npages);

	rdo_wr32(rdev, RDO_REG_CONTROL, RDO_CONTROL_ENABLE | RDO_CONTROL_CQP_ENABLE);
	ret = readl_poll_timeout(rdev->regs + RDO_REG_STATUS, val,
				 val & (RDO_STATUS_CQP_READY | RDO_STATUS_FATAL),
				 100, RDO_CQP_START_US);
	if (ret || !(val & RDO_STATUS_CQP_READY)) {
		dev_err(dev, "control path did not start (STATUS 0x%08x, ERR_LAST %u, ERR_ADDR 0x%x)\n",
			val, rdo_rd32(rdev, RDO_REG_ERR_LAST),
			rdo_rd32(rdev, RDO_REG_ERR_ADDR_LO));
		ret = -EIO;
		goto err;
	}
	rdo_cqp_usable(rdev);
	set_bit(RDO_F_CTRL_UP, &rdev->flags);
	return 0;
err:
	rdo_cqp_free(rdev);
	return ret;
}

/* QP and MR numbers: the function's share, as far as the stores hold. */
void rdo_cqp_usable(struct rdo_dev *rdev)
{
	rdev->usable_qps = min(rdo_rd32(rdev, RDO_REG_MAX_QP),
			       rdev->qpc.npages * rdo_qpc_per_page(rdev));
	rdev->usable_mrs = min(rdo_rd32(rdev, RDO_REG_MAX_MR),
			       rdev->mrc.npages * (u32)RDO_MRC_PER_PAGE);
}

/*
 * A pipelined command's completion: its owner learns the status, and a
 * refusal is told, since nobody waits to return it (the object it would
 * have made does not exist: a use of it gets a bad-key error). The slot is
 * free again. Under cqp->lock.
 */
static void rdo_cqp_async_done(struct rdo_dev *rdev, struct rdo_cqp_wait *w,
			       u8 status)
{
	struct rdo_cqp_async *a = w->async;

	if (status && status != 0xff) {
		rdev->cqp.async_failed++;
		dev_err_ratelimited(&rdev->pdev->dev,
				    "pipelined CQP command 0x%02x (obj %u) failed: %s\n",
				    a->opcode, a->obj, rdo_cqp_status_name(status));
	} else if (!status && a->check_given && w->result != a->given) {
		/* The consumer holds a key the device does not know. */
		rdev->cqp.async_failed++;
		dev_err_ratelimited(&rdev->pdev->dev,
				    "pipelined CQP command 0x%02x (obj %u) returned 0x%x, the driver gave out 0x%x\n",
				    a->opcode, a->obj, w->result, a->given);
	}
	a->result = w->result;
	a->status = status;
	complete_all(&a->done);		/* it may be waited for more than once */
	w->async = NULL;
	w->busy = false;
}

/*
 * Consume CQP completions and hand them to their waiters. Called from the
 * EQ 0 handler on CQP_DONE and by a waiter whose time ran out.
 */
void rdo_cqp_poll(struct rdo_dev *rdev)
{
	struct rdo_cqp *cqp = &rdev->cqp;
	u32 mask = (1u << cqp->log_size) - 1;
	struct rdo_cqp_comp *ring, *c;
	struct rdo_cqp_wait *w;
	unsigned long flags;
	bool freed = false;

	spin_lock_irqsave(&cqp->lock, flags);
	ring = cqp->comps.va;
	while (ring && cqp->ci != cqp->pi) {
		c = &ring[cqp->ci & mask];
		if (!rdo_sw_owns(&c->owner, cqp->ci, cqp->log_size))
			break;
		dma_rmb();
		w = &cqp->wait[cqp->ci & mask];
		if (c->cookie != w->cookie)
			dev_warn_ratelimited(&rdev->pdev->dev,
					     "CQP completion %u carries cookie %llu, expected %llu\n",
					     cqp->ci, c->cookie, w->cookie);
		w->status = c->status;
		w->result = c->result;
		if (c->status)
			cqp->cmds_failed++;
		cqp->cmds_done++;
		cqp->ci++;
		if (w->async)
			rdo_cqp_async_done(rdev, w, c->status);
		else
			complete(&w->done);
		freed = true;
	}
	spin_unlock_irqrestore(&cqp->lock, flags);
	if (freed)
		wake_up(&cqp->room);
}

/* The device was reset: wake everybody who waits for it. */
void rdo_cqp_abort(struct rdo_dev *rdev)
{
	struct rdo_cqp *cqp = &rdev->cqp;
	unsigned long flags;
	u32 i;

	spin_lock_irqsave(&cqp->lock, flags);
	for (i = 0; cqp->wait && i < (1u << cqp->log_size); i++) {
		if (cqp->wait[i].async)
			rdo_cqp_async_done(rdev, &cqp->wait[i], 0xff);
		else if (cqp->wait[i].busy)
			complete(&cqp->wait[i].done);
	}
	spin_unlock_irqrestore(&cqp->lock, flags);
	wake_up_all(&cqp->room);
}

static bool rdo_cqp_has_room(struct rdo_dev *rdev)
{
	struct rdo_cqp *cqp = &rdev->cqp;
	u32 slot = cqp->pi & ((1u << cqp->log_size) - 1);

	return rdo_dead(rdev) ||
	       (cqp->pi - cqp->ci < (1u << cqp->log_size) && !cqp->wait[slot].busy);
}

/*
 * Put one command into the ring and ring CQP_PI: the slot (>= 0) whose
 * wait entry receives the completion, -EIO once the device is dead, or
 * -ETIMEDOUT when the ring stays full. cmd->cookie and out_addr are filled
 * in here. With a, nobody waits in the slot: the completion goes to a.
 */
static int rdo_cqp_submit(struct rdo_dev *rdev, struct rdo_cqp_cmd *cmd,
			  size_t out_len, struct rdo_cqp_async *a)
{
	struct rdo_cqp *cqp = &rdev->cqp;
	unsigned long timeout = msecs_to_jiffies(cqp_timeout_ms);
	u32 mask = (1u << cqp->log_size) - 1;
	struct rdo_cqp_wait *w;
	unsigned long flags;
	u32 slot;
	long left;

	if (!test_bit(RDO_F_CTRL_UP, &rdev->flags) || rdo_dead(rdev))
		return -EIO;

	for (;;) {
		left = wait_event_timeout(cqp->room, rdo_cqp_has_room(rdev), timeout);
		if (!left) {
			rdo_dev_fatal(rdev, "control QP ring stayed full for %u ms",
				      cqp_timeout_ms);
			return -ETIMEDOUT;
		}
		spin_lock_irqsave(&cqp->lock, flags);
		if (rdo_dead(rdev)) {
			spin_unlock_irqrestore(&cqp->lock, flags);
			return -EIO;
		}
		slot = cqp->pi & mask;
		if (cqp->pi - cqp->ci < mask + 1 && !cqp->wait[slot].busy)
			break;
		spin_unlock_irqrestore(&cqp->lock, flags);
	}
	w = &cqp->wait[slot];
	w->busy = true;
	w->cookie = cqp->pi;
	w->status = 0xff;
	w->async = a;
	if (a) {
		a->opcode = cmd->opcode;
		a->obj = cmd->obj;
		a->status = 0xff;
		init_completion(&a->done);
	}
	reinit_completion(&w->done);
	cmd->cookie = w->cookie;
	cmd->flags |= RDO_CQP_F_EVENT;
	if (out_len) {
		cmd->out_addr = cqp->out.dma + (u64)slot * RDO_CQP_OUT_SIZE;
		memset(cqp->out.va + slot * RDO_CQP_OUT_SIZE, 0, RDO_CQP_OUT_SIZE);
	}
	memcpy(cqp->cmds.va + slot * RDO_CQP_CMD_SIZE, cmd, sizeof(*cmd));
	cqp->pi++;
	/* The command must be in memory before the device sees CQP_PI. */
	wmb();
	rdo_wr32(rdev, RDO_REG_CQP_PI, cqp->pi);
	spin_unlock_irqrestore(&cqp->lock, flags);
	return slot;
}

/*
 * Run one command and wait for it. A query's result (out_len bytes) is
 * copied to out. Returns 0, the errno of the command's status (which
 * *status_out, if given, receives), -EIO once the device is dead, or
 * -ETIMEDOUT.
 */
static int rdo_cqp_run(struct rdo_dev *rdev, struct rdo_cqp_cmd *cmd,
		       u32 *result, void *out, size_t out_len, u8 *status_out)
{
	struct rdo_cqp *cqp = &rdev->cqp;
	unsigned long timeout = msecs_to_jiffies(cqp_timeout_ms);
	struct rdo_cqp_wait *w;
	unsigned long flags;
	int slot, ret;

	if (WARN_ON(out_len > RDO_CQP_OUT_SIZE))
		return -EINVAL;
	slot = rdo_cqp_submit(rdev, cmd, out_len, NULL);
	if (slot < 0)
		return slot;
	w = &cqp->wait[slot];
	if (!wait_for_completion_timeout(&w->done, timeout)) {
		/* A lost interrupt is survivable: look once more. */
		rdo_cqp_poll(rdev);
		if (!completion_done(&w->done)) {
			cqp->timeouts++;
			rdo_dev_fatal(rdev, "control QP command 0x%02x (obj %u) not answered in %u ms (STATUS 0x%x)",
				      cmd->opcode, cmd->obj, cqp_timeout_ms,
				      rdo_rd32(rdev, RDO_REG_STATUS));
			ret = -ETIMEDOUT;
			goto out;
		}
		dev_warn_ratelimited(&rdev->pdev->dev,
				     "CQP completion found without its event\n");
	}
	if (w->status == 0xff) {	/* woken by rdo_cqp_abort */
		ret = -EIO;
		goto out;
	}
	if (status_out)
		*status_out = w->status;
	ret = rdo_cqp_errno(w->status);
	if (!ret && result)
		*result = w->result;
	if (!ret && out_len)
		memcpy(out, cqp->out.va + slot * RDO_CQP_OUT_SIZE, out_len);
	if (ret)
		dev_dbg(&rdev->pdev->dev, "CQP command 0x%02x obj %u: %s\n",
			cmd->opcode, cmd->obj, rdo_cqp_status_name(w->status));
out:
	spin_lock_irqsave(&cqp->lock, flags);
	w->busy = false;
	spin_unlock_irqrestore(&cqp->lock, flags);
	wake_up(&cqp->room);
	return ret;
}

int rdo_cqp_exec(struct rdo_dev *rdev, struct rdo_cqp_cmd *cmd, u32 *result,
		 void *out, size_t out_len)
{
	return rdo_cqp_run(rdev, cmd, result, out, out_len, NULL);
}

/* As rdo_cqp_exec, also returning the device's status code. */
int rdo_cqp_exec_status(struct rdo_dev *rdev, struct rdo_cqp_cmd *cmd,
			u8 *status)
{
	*status = 0xff;
	return rdo_cqp_run(rdev, cmd, NULL, NULL, 0, status);
}

/*
 * Pipelined: post a command (no query) and return once it is in the ring;
 * its completion goes to a (rdo_cqp_async_wait). The device orders later
 * commands and work requests after it, so the caller may use what it
 * creates at once.
 */
int rdo_cqp_post(struct rdo_dev *rdev, struct rdo_cqp_cmd *cmd,
		 struct rdo_cqp_async *a)
{
	int slot = rdo_cqp_submit(rdev, cmd, 0, a);

	return slot < 0 ? slot : 0;
}

/*
 * Wait for a pipelined command: 0, the errno of its status, -EIO when the
 * device was reset before it was answered, or -ETIMEDOUT (the device is
 * then reset).
 */
int rdo_cqp_async_wait(struct rdo_dev *rdev, struct rdo_cqp_async *a)
{
	if (!wait_for_completion_timeout(&a->done,
					 msecs_to_jiffies(cqp_timeout_ms))) {
		rdo_cqp_poll(rdev);	/* a lost interrupt is survivable */
		if (!completion_done(&a->done)) {
			rdev->cqp.timeouts++;
			rdo_dev_fatal(rdev, "pipelined CQP command 0x%02x (obj %u) not answered in %u ms",
				      a->opcode, a->obj, cqp_timeout_ms);
			return -ETIMEDOUT;
		}
	}
	return a->status == 0xff ? -EIO : rdo_cqp_errno(a->status);
}

/* A command with no arguments: destroys, CREATE_PD, NOP. */
int rdo_cqp_simple(struct rdo_dev *rdev, u8 opcode, u32 obj)
{
	struct rdo_cqp_cmd cmd = { .opcode = opcode, .obj = obj };

	return rdo_cqp_exec(rdev, &cmd, NULL, NULL, 0);
}
