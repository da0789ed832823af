// SPDX-License-Identifier: GPL-2.0
/*
 * rdma_offload: moving a live RC connection from one function's driver
 * instance to another's (rdo_ib_move_qp, rdma_offload-verbs.h; the device's
 * MOVE_QP, programming model "Moving a connection between functions").
 *
 * The model: the consumer keeps its handles. ib_core's objects (ib_qp,
 * ib_cq, ib_pd) cannot change ib_device, so they stay the source's, while
 * the driver's objects behind them are re-homed: rdev (the function whose
 * control QP, doorbell page and EQs serve them) becomes the destination's,
 * and the destination's tables (QP and CQ lookups, number allocators) hold
 * them. `home` stays the function that made them: their rings are its DMA
 * memory and the QP number stays taken there (the device keeps it for the
 * connection's address on the wire).
 *
 * Quiesce, move, resume all happen here, under the QP's state lock:
 * the QP and its CQs are marked moving (under their spinlocks), so
 * posts and polls go on but ring no doorbell: a WQE posted during the move
 * waits in the ring, a CQ arm in arm_deferred. MOVE_QP goes through the PF's
 * control QP. Then, under the same spinlocks, rdev switches and the
 * destination's doorbells are rung with the current producer and consumer
 * indexes (and a deferred arm): what was posted meanwhile is taken then.
 * On a refusal the source's doorbells are rung instead and nothing moved.
 * On success the source's EQs are consumed once more before its tables
 * forget the objects: an event the device raised there before the move
 * reaches the consumer. The PD's MRs (its list, under its MR lock, which
 * keeps registrations out meanwhile) follow: their indexes and the
 * function serving them.
 *
 * While away from home the objects are recorded together (struct
 * rdo_moved) on the serving function's moved_in list, until the last of
 * them is destroyed. If that function goes (FLR, VF disabled, driver
 * unbound, recovery), the connection is lost with it on the device:
 * rdo_move_orphan() hands whatever of it is left back to `home` marked lost
 * (no doorbells, commands -EIO, destroy frees memory only) and reports
 * IB_EVENT_QP_FATAL; CQEs already written can still be polled. One mutex
 * (rdo_moved_mutex) keeps the records, the lists and the lost objects'
 * destroy apart; the QP's state lock keeps its move, modify, destroy and
 * loss apart.
 */
#include <linux/delay.h>
#include <linux/interrupt.h>

#include "rdo_ib.h"
#include "rdma_offload-verbs.h"

static_assert(RDO_IB_VENDOR_PART_ID_VF == RDO_PCI_VF_DEVICE_ID);

/* A connection's objects away from home; a member is NULL once destroyed. */
struct rdo_moved {
	struct list_head node;		/* on the serving function's moved_in */
	struct rdo_qp *qp;
	struct rdo_cq *cq[2];		/* send, receive (NULL: one CQ) */
	struct rdo_pd *pd;
};

static DEFINE_MUTEX(rdo_moved_mutex);

/*
 * Tests only: a move holds the connection's queues quiesced this long
 * before MOVE_QP, so that work posted during a move is certain to happen
 * (tests/guest/sriov-peer.sh); 0 in use.
 */
static unsigned int move_hold_ms;
module_param(move_hold_ms, uint, 0644);
MODULE_PARM_DESC(move_hold_ms, "tests only: ms a connection move keeps its queues quiesced before MOVE_QP (default 0)");

/* Around destroying a QP, CQ or PD: its function cannot go meanwhile. */
void rdo_move_obj_lock(void)
{
	mutex_lock(&rdo_moved_mutex);
}

/* obj (destroyed, or going back home) leaves its record; the last frees it. */
void rdo_move_obj_unlock(struct rdo_moved **moved, void *obj)
{
	struct rdo_moved *m = *moved;

	if (m) {
		if (m->qp == obj)
			m->qp = NULL;
		if (m->cq[0] == obj)
			m->cq[0] = NULL;
		if (m->cq[1] == obj)
			m->cq[1] = NULL;
		if (m->pd == obj)
			m->pd = NULL;
		*moved = NULL;
		if (!m->qp && !m->cq[0] && !m->cq[1] && !m->pd) {
			list_del(&m->node);
			kfree(m);
		}
	}
	mutex_unlock(&rdo_moved_mutex);
}

/* The PF's instance of the adapter rdev is a function of, bound to us. */
static struct rdo_dev *rdo_move_pf(struct rdo_dev *rdev)
{
	struct pci_dev *pf = pci_physfn(rdev->pdev);

	if (pf->dev.driver != rdev->pdev->dev.driver)
		return NULL;
	return pci_get_drvdata(pf);
}

/* The QP's CQs: one, or send and receive (recv NULL when the same). */
static void rdo_move_cqs(struct rdo_qp *qp, struct rdo_cq **scq,
			 struct rdo_cq **rcq)
{
	*scq = to_rcq(qp->ibqp.send_cq);
	*rcq = qp->ibqp.recv_cq == qp->ibqp.send_cq ? NULL : to_rcq(qp->ibqp.recv_cq);
}

/*
 * What the device would refuse as not movable, told before anything
 * happens: a kernel RC QP with its own CQs (ib_core's use counts: the QP
 * is each one's only user); its PD: rdo_move_pd_check.
 */
static int rdo_move_check(struct rdo_qp *qp, struct rdo_dev *dst)
{
	struct ib_qp *ibqp = &qp->ibqp;
	int cq_uses = ibqp->recv_cq == ibqp->send_cq ? 2 : 1;

	if (qp->type != RDO_QPT_RC || qp->user || qp->srq || qp->ssq ||
	    qp->lost || !ibqp->recv_cq || to_rcq(ibqp->send_cq)->user)
		return -EINVAL;
	if (dst == qp->rdev)
		return -EINVAL;
	if (pci_physfn(dst->pdev) != pci_physfn(qp->rdev->pdev))
		return -EXDEV;
	if (atomic_read(&ibqp->send_cq->usecnt) != cq_uses ||
	    atomic_read(&ibqp->recv_cq->usecnt) != cq_uses)
		return -EBUSY;
	return 0;
}

/*
 * The PD (its MR lock held): used by the QP and its MRs only, which the
 * device moves with it. ib_core counts the QP and the MRs, not the
 * internal MR of IB_PD_UNSAFE_GLOBAL_RKEY, which is on the list too;
 * anything else (an SRQ, an AH, a window) is -EBUSY.
 */
static int rdo_move_pd_check(struct ib_pd *ibpd, struct rdo_pd *pd)
{
	unsigned int n = 1;
	struct rdo_mr *mr;

	list_for_each_entry(mr, &pd->mrs, pd_node)
		n += &mr->ibmr != ibpd->__internal_mr;
	return atomic_read(&ibpd->usecnt) == n ? 0 : -EBUSY;
}

/* The indexes of the PD's MRs before `end` (NULL: all) given back in rdev. */
static void rdo_move_mrs_release(struct rdo_dev *rdev, struct rdo_pd *pd,
				 struct rdo_mr *end)
{
	struct rdo_mr *mr;

	list_for_each_entry(mr, &pd->mrs, pd_node) {
		if (mr == end)
			break;
		rdo_id_free(rdev, RDO_USE_MR, &rdev->mr_ida, mr->index);
	}
}

/*
 * The PD's MRs' indexes taken in dst (its own MRs use none of them). A
 * pipelined registration is answered first; one the device refused is no
 * MR of the device to move: -EBUSY until the consumer drops it.
 */
static int rdo_move_mrs_reserve(struct rdo_dev *dst, struct rdo_pd *pd)
{
	struct rdo_mr *mr;

	list_for_each_entry(mr, &pd->mrs, pd_node) {
		if (rdo_cqp_async_wait(mr->rdev, &mr->reg) ||
		    rdo_id_alloc(dst, RDO_USE_MR, &dst->mr_ida, mr->index,
				 mr->index) < 0) {
			rdo_move_mrs_release(dst, pd, mr);
			return -EBUSY;
		}
	}
	return 0;
}

/* Take (or give back) the objects' numbers in dst; 0 or -EBUSY. */
static int rdo_move_reserve(struct rdo_dev *dst, struct rdo_qp *qp,
			    struct rdo_cq *scq, struct rdo_cq *rcq, u32 pdn)
{
	int ret;

	/* Home kept the QP's number for it (rdo_move_release). */
	ret = dst == qp->home ? 0 :
	      rdo_id_alloc(dst, RDO_USE_QP, &dst->qp_ida, qp->qpn, qp->qpn);
	if (ret < 0)
		goto err;
	ret = rdo_id_alloc(dst, RDO_USE_CQ, &dst->cq_ida, scq->cqn, scq->cqn);
	if (ret < 0)
		goto err_qp;
	if (rcq) {
		ret = rdo_id_alloc(dst, RDO_USE_CQ, &dst->cq_ida, rcq->cqn, rcq->cqn);
		if (ret < 0)
			goto err_scq;
	}
	ret = rdo_id_alloc(dst, RDO_USE_PD, &dst->pd_ida, pdn, pdn);
	if (ret < 0)
		goto err_rcq;
	ret = xa_insert_irq(&dst->qp_xa, qp->qpn, qp, GFP_KERNEL);
	if (ret)
		goto err_pd;
	ret = xa_insert_irq(&dst->cq_xa, scq->cqn, scq, GFP_KERNEL);
	if (ret)
		goto err_xqp;
	if (rcq) {
		ret = xa_insert_irq(&dst->cq_xa, rcq->cqn, rcq, GFP_KERNEL);
		if (ret)
			goto err_xscq;
	}
	return 0;
err_xscq:
	xa_erase_irq(&dst->cq_xa, scq->cqn);
err_xqp:
	xa_erase_irq(&dst->qp_xa, qp->qpn);
err_pd:
	rdo_id_free(dst, RDO_USE_PD, &dst->pd_ida, pdn);
err_rcq:
	if (rcq)
		rdo_id_free(dst, RDO_USE_CQ, &dst->cq_ida, rcq->cqn);
err_scq:
	rdo_id_free(dst, RDO_USE_CQ, &dst->cq_ida, scq->cqn);
err_qp:
	if (dst != qp->home)
		rdo_id_free(dst, RDO_USE_QP, &dst->qp_ida, qp->qpn);
err:
	return -EBUSY;		/* a number the destination uses itself */
}

/* The numbers a function no longer serves: its tables forget them. */
static void rdo_move_release(struct rdo_dev *rdev, struct rdo_qp *qp,
			     struct rdo_cq *scq, struct rdo_cq *rcq, u32 pdn,
			     bool keep_qpn)
{
	xa_erase_irq(&rdev->qp_xa, qp->qpn);
	xa_erase_irq(&rdev->cq_xa, scq->cqn);
	if (rcq)
		xa_erase_irq(&rdev->cq_xa, rcq->cqn);
	/* The home function keeps the QP number: the connection's on the wire. */
	if (!keep_qpn)
		rdo_id_free(rdev, RDO_USE_QP, &rdev->qp_ida, qp->qpn);
	rdo_id_free(rdev, RDO_USE_CQ, &rdev->cq_ida, scq->cqn);
	if (rcq)
		rdo_id_free(rdev, RDO_USE_CQ, &rdev->cq_ida, rcq->cqn);
	rdo_id_free(rdev, RDO_USE_PD, &rdev->pd_ida, pdn);
}

#define RDO_MOVE_SAME_EQ	U32_MAX

/* Quiesce (to NULL) or resume on `to` a CQ, on EQ eqn (or its own). */
static void rdo_move_cq_hold(struct rdo_cq *cq, struct rdo_dev *to, u32 eqn)
{
	unsigned long flags;
	u32 arm;

	if (!cq)
		return;
	spin_lock_irqsave(&cq->lock, flags);
	if (!to) {
		cq->moving = true;
		goto out;
	}
	cq->rdev = to;
	if (eqn != RDO_MOVE_SAME_EQ)
		cq->eqn = eqn;
	cq->moving = false;
	/*
	 * The consumer index and an arm asked for meanwhile, on to's page (a
	 * resize running rings them when it ends).
	 */
	if (cq->resizing)
		goto out;
	arm = cq->arm_deferred;
	cq->arm_deferred = 0;
	if (!rdo_dead(to))
		rdo_db_write(to, RDO_DB_CQ, RDO_DB_VALUE(cq->cqn,
			     (arm & RDO_DB_CQ_ARM_NEXT) ? RDO_DB_CQ_ARM_NEXT : arm, cq->ci));
out:
	spin_unlock_irqrestore(&cq->lock, flags);
}

static void rdo_move_wq_hold(struct rdo_qp *qp, struct rdo_wq *wq, u32 db,
			     struct rdo_dev *to)
{
	unsigned long flags;

	if (!wq->ring.log_size)
		return;
	spin_lock_irqsave(&wq->lock, flags);
	if (to) {
		qp->rdev = to;
		wq->moving = false;
		/* WQEs posted while the move ran are in memory before this. */
		wmb();
		if (!rdo_dead(to))
			rdo_db_write(to, db, RDO_DB_VALUE(qp->qpn, 0, wq->pi - wq->base));
	} else {
		wq->moving = true;
	}
	spin_unlock_irqrestore(&wq->lock, flags);
}

/* Quiesce (to NULL) or resume on `to` the QP and its CQs. */
static void rdo_move_hold(struct rdo_qp *qp, struct rdo_dev *to, u32 eqn)
{
	struct rdo_cq *scq, *rcq;

	rdo_move_cqs(qp, &scq, &rcq);
	rdo_move_cq_hold(scq, to, eqn);
	rdo_move_cq_hold(rcq, to, eqn);
	rdo_move_wq_hold(qp, &qp->rq, RDO_DB_RQ, to);
	rdo_move_wq_hold(qp, &qp->sq, RDO_DB_SQ, to);
}

/*
 * What S's EQ eqn holds is handled now, through S's tables, which still
 * know the connection's objects: an event the device raised there before
 * the move (a completion event, a CQ's or the QP's error) reaches the
 * consumer instead of being dropped as an unknown object's once S forgets
 * them. The vector is held off meanwhile, as its handler does the same.
 */
static void rdo_move_drain(struct rdo_dev *rdev, u32 eqn)
{
	unsigned long flags;
	struct rdo_eq *eq;
	u64 before;

	if (eqn >= rdev->num_eqs || !rdev->eqs[eqn].created || rdo_dead(rdev))
		return;
	eq = &rdev->eqs[eqn];
	disable_irq(rdev->vectors[eq->vector].irq);
	local_irq_save(flags);
	do {
		before = eq->events;
		rdo_eq_process(eq);
		rdev->move_drained += eq->events - before;
	} while (eq->events != before && !rdo_dead(rdev));
	local_irq_restore(flags);
	enable_irq(rdev->vectors[eq->vector].irq);
}

/*
 * Tests (move_hold_ms): S's completion vectors of the connection's CQs
 * held off through the hold and the command, so that an event raised
 * meanwhile is certain to wait in S's EQ for the drain. Vector 0 stays on:
 * it carries the control QP's completions.
 */
static void rdo_move_test_irqs(struct rdo_dev *src, const u32 *eqns, bool off)
{
	unsigned int i;

	for (i = 0; i < 2; i++) {
		u32 e = eqns[i];

		if (!e || e >= src->num_eqs || !src->eqs[e].created ||
		    (i && e == eqns[0]))
			continue;
		if (off)
			disable_irq(src->vectors[src->eqs[e].vector].irq);
		else
			enable_irq(src->vectors[src->eqs[e].vector].irq);
	}
}

/*
 * A function's life_lock for the move: neither torn down nor rebuilt
 * meanwhile. Only tried: a function going away takes it and then waits in
 * rdo_move_orphan() for the QP's state lock, which the mover holds.
 */
static bool rdo_move_lock(struct rdo_dev *rdev)
{
	unsigned int tries = 0;

	while (!mutex_trylock(&rdev->life_lock)) {
		if (test_bit(RDO_F_REMOVING, &rdev->flags) || ++tries > 5000)
			return false;
		usleep_range(1000, 2000);
	}
	if (test_bit(RDO_F_CTRL_UP, &rdev->flags) && !rdo_dead(rdev) &&
	    READ_ONCE(rdev->ib))
		return true;
	mutex_unlock(&rdev->life_lock);
	return false;
}

/*
 * The objects now served by dst: on its list, or, back home, no record.
 * fresh: a record for objects leaving home (unused otherwise, freed).
 */
static void rdo_move_record(struct rdo_qp *qp, struct rdo_cq *scq,
			    struct rdo_cq *rcq, struct rdo_pd *pd,
			    struct rdo_dev *dst, struct rdo_moved *fresh)
{
	struct rdo_moved *m;

	mutex_lock(&rdo_moved_mutex);
	m = qp->moved;
	if (m) {
		list_del_init(&m->node);
	} else {
		m = fresh;
		fresh = NULL;
		*m = (struct rdo_moved){ .qp = qp, .cq = { scq, rcq }, .pd = pd };
		INIT_LIST_HEAD(&m->node);
		qp->moved = m;
		scq->moved = m;
		if (rcq)
			rcq->moved = m;
		pd->moved = m;
	}
	if (dst == qp->home) {
		qp->moved = NULL;
		scq->moved = NULL;
		if (rcq)
			rcq->moved = NULL;
		pd->moved = NULL;
		kfree(m);
	} else {
		list_add_tail(&m->node, &dst->moved_in);
	}
	mutex_unlock(&rdo_moved_mutex);
	kfree(fresh);
}

/* Reserve, quiesce, MOVE_QP, resume (or roll back); both life_locks held. */
static int rdo_move_locked(struct rdo_qp *qp, struct rdo_dev *pf,
			   struct rdo_dev *dst)
{
	struct rdo_cqp_cmd cmd = { .opcode = RDO_CMD_MOVE_QP };
	struct rdo_cmd_move_qp *m = &cmd.u.move_qp;
	struct rdo_pd *pd = to_rpd(qp->ibqp.pd);
	struct rdo_dev *src = qp->rdev;
	struct rdo_moved *fresh = NULL;
	struct rdo_mr *mr;
	unsigned int ncomp, hold_ms = min(READ_ONCE(move_hold_ms), 1000u);
	struct rdo_cq *scq, *rcq;
	u32 eqn, old_eqns[2];
	int ret;

	rdo_move_cqs(qp, &scq, &rcq);
	old_eqns[0] = scq->eqn;
	old_eqns[1] = rcq ? rcq->eqn : scq->eqn;
	if (!qp->moved) {
		fresh = kzalloc(sizeof(*fresh), GFP_KERNEL);
		if (!fresh)
			return -ENOMEM;
	}
	/* No MR registered or deregistered in the PD until it is over. */
	mutex_lock(&pd->mr_lock);
	ret = rdo_move_pd_check(qp->ibqp.pd, pd);
	if (!ret)
		ret = rdo_move_mrs_reserve(dst, pd);
	if (ret)
		goto err_unlock;
	ret = rdo_move_reserve(dst, qp, scq, rcq, pd->pdn);
	if (ret) {
		rdo_move_mrs_release(dst, pd, NULL);
		goto err_unlock;
	}
	/* D's completion EQ in the place of S's (they have the same vectors). */
	ncomp = rdo_comp_eqs(dst);
	eqn = ncomp && scq->eqn ? 1 + (scq->eqn - 1) % ncomp : 0;
	cmd.obj = qp->qpn;
	m->src_fn = src->fn;
	m->dst_fn = dst->fn;
	m->qp_db_page = 0;	/* the kernel's page in each function */
	m->cq_db_page = 0;
	m->eqn = eqn;

	rdo_move_hold(qp, NULL, 0);
	if (hold_ms) {
		rdo_move_test_irqs(src, old_eqns, true);
		msleep(hold_ms);
	}
	ret = rdo_cqp_exec(pf, &cmd, NULL, NULL, 0);
	if (ret) {
		rdo_move_hold(qp, src, RDO_MOVE_SAME_EQ);	/* as it was */
		if (hold_ms)
			rdo_move_test_irqs(src, old_eqns, false);
		rdo_move_release(dst, qp, scq, rcq, pd->pdn, dst == qp->home);
		rdo_move_mrs_release(dst, pd, NULL);
		dev_info(&pf->pdev->dev, "MOVE_QP %u fn %u -> fn %u refused: %d\n",
			 qp->qpn, src->fn, dst->fn, ret);
		goto err_unlock;
	}
	pd->rdev = dst;
	list_for_each_entry(mr, &pd->mrs, pd_node)
		mr->rdev = dst;
	rdo_move_mrs_release(src, pd, NULL);
	mutex_unlock(&pd->mr_lock);
	rdo_move_hold(qp, dst, eqn);
	/*
	 * The device raises nothing more for them on S; what S's EQs hold
	 * goes out before S's tables forget them.
	 */
	rdo_move_drain(src, 0);
	rdo_move_drain(src, old_eqns[0]);
	if (old_eqns[1] != old_eqns[0])
		rdo_move_drain(src, old_eqns[1]);
	if (hold_ms)
		rdo_move_test_irqs(src, old_eqns, false);
	rdo_move_release(src, qp, scq, rcq, pd->pdn, src == qp->home);
	rdo_move_record(qp, scq, rcq, pd, dst, fresh);
	return 0;
err_unlock:
	mutex_unlock(&pd->mr_lock);
	kfree(fresh);
	return ret;
}

int rdo_ib_move_qp(struct ib_qp *ibqp, struct ib_device *dst_dev)
{
	struct rdo_dev *dst, *pf;
	struct rdo_qp *qp;
	int ret;

	if (!ibqp || !dst_dev || !rdo_ib_device_is_rdo(ibqp->device) ||
	    !rdo_ib_device_is_rdo(dst_dev))
		return -EINVAL;
	qp = to_rqp(ibqp);
	dst = to_rdev(dst_dev);
	mutex_lock(&qp->state_lock);
	ret = rdo_move_check(qp, dst);
	if (ret)
		goto out;
	if (qp->state != IB_QPS_RTS && qp->state != IB_QPS_SQD) {
		ret = -EINVAL;	/* the device moves connections only */
		goto out;
	}
	pf = rdo_move_pf(qp->rdev);
	ret = -ENODEV;
	if (!pf || !rdo_move_lock(pf))
		goto out;
	if (dst == pf || rdo_move_lock(dst)) {
		ret = rdo_move_locked(qp, pf, dst);
		if (dst != pf)
			mutex_unlock(&dst->life_lock);
	}
	mutex_unlock(&pf->life_lock);
out:
	mutex_unlock(&qp->state_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(rdo_ib_move_qp);
/* A lost CQ: back to its home's memory, no device. */
static void rdo_move_lose_cq(struct rdo_dev *rdev, struct rdo_cq *cq)
{
	unsigned long flags;

	if (!cq)
		return;
	xa_erase_irq(&rdev->cq_xa, cq->cqn);
	synchronize_irq(rdev->vectors[cq->eqn].irq);
	rdo_id_free(rdev, RDO_USE_CQ, &rdev->cq_ida, cq->cqn);
	spin_lock_irqsave(&cq->lock, flags);
	cq->lost = true;
	cq->rdev = cq->home;
	cq->eqn = 0;
	spin_unlock_irqrestore(&cq->lock, flags);
	cq->moved = NULL;
}

/*
 * The PD's MRs go with it: off the device (before the PD) while its
 * control path runs, their indexes freed; deregistering one later frees
 * its memory only, and the PD takes no new ones.
 */
static void rdo_move_lose_mrs(struct rdo_dev *rdev, struct rdo_pd *pd, bool up)
{
	struct rdo_mr *mr;

	mutex_lock(&pd->mr_lock);
	list_for_each_entry(mr, &pd->mrs, pd_node) {
		if (mr->lost)
			continue;
		if (up)
			rdo_cqp_simple(rdev, RDO_CMD_DEREG_MR, mr->index);
		rdo_id_free(rdev, RDO_USE_MR, &rdev->mr_ida, mr->index);
		mr->lost = true;
	}
	pd->lost = true;
	mutex_unlock(&pd->mr_lock);
}

/* What is left of a connection rdev served: lost (record lock held). */
static void rdo_move_lose(struct rdo_dev *rdev, struct rdo_moved *m)
{
	bool up = test_bit(RDO_F_CTRL_UP, &rdev->flags) && !rdo_dead(rdev);
	struct rdo_qp *qp = m->qp;
	unsigned long flags;
	unsigned int i;

	/*
	 * End them on the device while its control path runs: its EQs go
	 * next, which the device refuses while CQs report to them. Failures
	 * change nothing: the function's reset ends them all the same.
	 */
	if (up && qp)
		rdo_cqp_simple(rdev, RDO_CMD_DESTROY_QP, qp->qpn);
	for (i = 0; i < ARRAY_SIZE(m->cq); i++) {
		if (up && m->cq[i])
			rdo_cqp_simple(rdev, RDO_CMD_DESTROY_CQ, m->cq[i]->cqn);
	}
	if (m->pd)
		rdo_move_lose_mrs(rdev, m->pd, up);
	if (up && m->pd)
		rdo_cqp_simple(rdev, RDO_CMD_DESTROY_PD, m->pd->pdn);
	rdo_move_lose_cq(rdev, m->cq[0]);
	rdo_move_lose_cq(rdev, m->cq[1]);
	if (m->pd) {
		rdo_id_free(rdev, RDO_USE_PD, &rdev->pd_ida, m->pd->pdn);
		m->pd->lost = true;
		m->pd->moved = NULL;
	}
	if (qp) {
		xa_erase_irq(&rdev->qp_xa, qp->qpn);
		synchronize_irq(rdev->vectors[0].irq);
		rdo_id_free(rdev, RDO_USE_QP, &rdev->qp_ida, qp->qpn);
		/* Home kept the number: CQEs still written find the QP there. */
		xa_store_irq(&qp->home->qp_xa, qp->qpn, qp, GFP_KERNEL);
		spin_lock_irqsave(&qp->rq.lock, flags);
		qp->lost = true;
		spin_unlock_irqrestore(&qp->rq.lock, flags);
		spin_lock_irqsave(&qp->sq.lock, flags);
		qp->rdev = qp->home;
		spin_unlock_irqrestore(&qp->sq.lock, flags);
		WRITE_ONCE(qp->state, IB_QPS_ERR);
		qp->moved = NULL;
	}
	list_del(&m->node);
	kfree(m);
}

/*
 * rdev's function goes (its ib_device is being unregistered, life_lock
 * held): each connection moved here from another function is lost with it.
 * The QP's state lock is only tried, as a mover holding it may be waiting
 * for this function's life_lock (it gives up).
 */
void rdo_move_orphan(struct rdo_dev *rdev)
{
	struct ib_event ev = { .event = IB_EVENT_QP_FATAL };
	struct rdo_moved *m;
	struct rdo_qp *qp;

	for (;;) {
		mutex_lock(&rdo_moved_mutex);
		m = list_first_entry_or_null(&rdev->moved_in, struct rdo_moved, node);
		qp = m ? m->qp : NULL;
		if (qp && !mutex_trylock(&qp->state_lock)) {
			mutex_unlock(&rdo_moved_mutex);
			usleep_range(1000, 2000);
			continue;
		}
		if (m)
			rdo_move_lose(rdev, m);
		mutex_unlock(&rdo_moved_mutex);
		if (!m)
			return;
		if (!qp)
			continue;
		dev_info(&rdev->pdev->dev, "QP %u, moved here, is lost with this function\n",
			 qp->qpn);
		/* Under the state lock: the consumer cannot destroy it meanwhile. */
		if (qp->ibqp.event_handler) {
			ev.device = qp->ibqp.device;
			ev.element.qp = &qp->ibqp;
			qp->ibqp.event_handler(&ev, qp->ibqp.qp_context);
		}
		mutex_unlock(&qp->state_lock);
	}
}
