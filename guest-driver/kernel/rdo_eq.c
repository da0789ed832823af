// SPDX-License-Identifier: GPL-2.0
/*
 * rdma_offload: event queues. EQ 0 (set up through registers, vector 0)
 * carries CQP completions and the asynchronous events; EQ i >= 1 (created
 * by command, vector i) carries completion events of the CQs bound to it.
 * Each vector's interrupt handler consumes its EQ and re-arms it.
 */
#include <linux/interrupt.h>
#include <linux/slab.h>

#include "rdo.h"

#define RDO_EQ0_LOG_SIZE	11
#define RDO_EQ_LOG_SIZE		10
#define RDO_EQ_BUDGET		256	/* entries per interrupt before re-arming */

/* Completion EQs: one per vector beyond vector 0, at most MAX_EQ - 1. */
unsigned int rdo_comp_eqs(struct rdo_dev *rdev)
{
	return rdev->num_eqs > 1 ? rdev->num_eqs - 1 : 0;
}

int rdo_eq0_alloc(struct rdo_dev *rdev)
{
	struct rdo_eq *eq = &rdev->eqs[0];

	eq->rdev = rdev;
	eq->eqn = 0;
	eq->vector = 0;
	eq->ci = 0;
	eq->events = 0;
	/* EQ 0 is named by register only: it must be contiguous. */
	memset(&eq->ring, 0, sizeof(eq->ring));
	eq->ring.log_size = RDO_EQ0_LOG_SIZE;
	eq->ring.stride_shift = 4;
	return rdo_buf_alloc(rdev, &eq->ring.cont,
			     sizeof(struct rdo_eqe) << RDO_EQ0_LOG_SIZE);
}

static void rdo_async(struct rdo_dev *rdev, const struct rdo_eqe *eqe)
{
	struct device *dev = &rdev->pdev->dev;

	rdev->async_events++;
	switch (eqe->type) {
	case RDO_EQE_QP_ERROR:
		dev_info_ratelimited(dev, "QP %u went to error (cause %u)\n",
				     eqe->obj, eqe->data);
		rdo_ib_qp_event(rdev, eqe->obj, eqe->data);
		break;
	case RDO_EQE_QP_LAST_WQE:
		rdo_ib_qp_event(rdev, eqe->obj, 0);
		break;
	case RDO_EQE_CQ_ERROR:
		dev_warn_ratelimited(dev, "CQ %u in error (cause %u: %s)\n",
				     eqe->obj, eqe->data,
				     eqe->data == RDO_CQ_ERR_OVERFLOW ? "overflow" : "DMA");
		if (!rdo_netdev_cq_event(rdev, eqe->obj, true))
			rdo_ib_cq_event(rdev, eqe->obj, true);
		break;
	case RDO_EQE_SRQ_LIMIT:
		rdo_ib_srq_event(rdev, eqe->obj, eqe->data);
		break;
	case RDO_EQE_PORT_CHANGE:
		rdo_netdev_link_update(rdev);
		break;
	case RDO_EQE_CM_NOTIFY:
		rdo_cm_notify(rdev, eqe->obj, eqe->data);
		break;
	case RDO_EQE_CATASTROPHIC:
		rdo_dev_fatal(rdev, "catastrophic error event (cause %u)", eqe->data);
		break;
	case RDO_EQE_ENGINE_RECOVERED:
		/*
		 * The device recovered its protocol engine by itself: every
		 * object is as it was, connections retransmit what was lost.
		 * Nothing to re-create and no reset; note it.
		 */
		rdev->engine_recoveries++;
		dev_info_ratelimited(dev, "protocol engine recovered (fault %u, %u QPs resumed)\n",
				     eqe->obj, eqe->data);
		break;
	case RDO_EQE_QP_ARRIVED:
		/* The mover (rdo_move.c) took the QP over when MOVE_QP completed. */
		rdev->qps_arrived++;
		dev_dbg(dev, "QP %u arrived from function %u\n", eqe->obj, eqe->data);
		break;
	default:
		dev_warn_ratelimited(dev, "unknown event type 0x%02x on EQ 0\n",
				     eqe->type);
	}
}

static void rdo_eq_dispatch(struct rdo_eq *eq, const struct rdo_eqe *eqe)
{
	struct rdo_dev *rdev = eq->rdev;

	switch (eqe->type) {
	case RDO_EQE_COMPLETION:
		if (!rdo_netdev_cq_event(rdev, eqe->obj, false))
			rdo_ib_cq_event(rdev, eqe->obj, false);
		return;
	case RDO_EQE_CQP_DONE:
		if (eq->eqn == 0) {
			rdo_cqp_poll(rdev);
			return;
		}
		break;
	default:
		if (eq->eqn == 0) {
			rdo_async(rdev, eqe);
			return;
		}
	}
	dev_warn_ratelimited(&rdev->pdev->dev, "event type 0x%02x on EQ %u ignored\n",
			     eqe->type, eq->eqn);
}

/* Interrupt context: consume what the device wrote, then re-arm. */
void rdo_eq_process(struct rdo_eq *eq)
{
	struct rdo_dev *rdev = eq->rdev;
	struct rdo_eqe *eqe, copy;
	unsigned int n;

	/* Vector 0 is raised on a catastrophic error even without an event. */
	if (eq->eqn == 0 && !rdo_dead(rdev) &&
	    (rdo_rd32(rdev, RDO_REG_STATUS) & RDO_STATUS_FATAL))
		rdo_dev_fatal(rdev, "catastrophic error (cause %u)",
			      rdo_rd32(rdev, RDO_REG_FATAL_CAUSE));

	for (n = 0; n < RDO_EQ_BUDGET && !rdo_dead(rdev); n++) {
		eqe = rdo_ring_entry(&eq->ring, eq->ci);
		if (!rdo_sw_owns(&eqe->owner, eq->ci, eq->ring.log_size))
			break;
		dma_rmb();
		copy = *eqe;
		eq->ci++;
		eq->events++;
		rdo_eq_dispatch(eq, &copy);
	}
	if (!rdo_dead(rdev))
		rdo_db_write(rdev, RDO_DB_EQ,
			     RDO_DB_VALUE(eq->eqn, RDO_DB_EQ_ARM, eq->ci));
}

static int rdo_eq_create(struct rdo_dev *rdev, struct rdo_eq *eq, u32 eqn)
{
	struct rdo_cqp_cmd cmd = { .opcode = RDO_CMD_CREATE_EQ, .obj = eqn };
	int ret;

	eq->rdev = rdev;
	eq->eqn = eqn;
	eq->vector = eqn;
	eq->ci = 0;
	eq->events = 0;
	ret = rdo_ring_alloc(rdev, &eq->ring, RDO_EQ_LOG_SIZE, 4);
	if (ret)
		return ret;
	cmd.u.create_eq.ring_addr = rdo_ring_addr(&eq->ring);
	cmd.u.create_eq.log_size = eq->ring.log_size;
	cmd.u.create_eq.ring_flags = rdo_ring_flags(&eq->ring);
	cmd.u.create_eq.vector = eq->vector;
	ret = rdo_cqp_exec(rdev, &cmd, NULL, NULL, 0);
	if (ret) {
		dev_err(&rdev->pdev->dev, "CREATE_EQ %u failed: %d\n", eqn, ret);
		rdo_ring_free(rdev, &eq->ring);
		return ret;
	}
	eq->created = true;
	rdev->vectors[eq->vector].eq = eq;
	return 0;
}

/*
 * EQ 0 exists since the control path started; hook it to vector 0, then
 * create one completion EQ for each further vector.
 */
int rdo_eqs_create(struct rdo_dev *rdev)
{
	unsigned int i;
	int ret;

	rdev->eqs[0].created = true;
	rdev->vectors[0].eq = &rdev->eqs[0];
	/* EQ 0 starts armed; take anything that came before the hook. */
	disable_irq(rdev->vectors[0].irq);
	rdo_eq_process(&rdev->eqs[0]);
	enable_irq(rdev->vectors[0].irq);

	for (i = 1; i < rdev->num_eqs; i++) {
		ret = rdo_eq_create(rdev, &rdev->eqs[i], i);
		if (ret) {
			rdev->num_eqs = i;
			return ret;
		}
	}
	return 0;
}

/*
 * Completion EQs are destroyed by command when the device still answers;
 * the caller then resets the device, which ends EQ 0, and frees the rings
 * (rdo_cqp_free).
 */
void rdo_eqs_destroy(struct rdo_dev *rdev)
{
	unsigned int i;

	/* EQ 0 last: it carries the completions of the DESTROY_EQ commands. */
	for (i = rdev->num_eqs; i-- > 0;) {
		struct rdo_eq *eq = &rdev->eqs[i];

		if (!eq->created)
			continue;
		if (i > 0 && rdo_cqp_simple(rdev, RDO_CMD_DESTROY_EQ, i) &&
		    !rdo_dead(rdev))
			dev_warn(&rdev->pdev->dev, "DESTROY_EQ %u failed\n", i);
		rdev->vectors[eq->vector].eq = NULL;
		synchronize_irq(rdev->vectors[eq->vector].irq);
		eq->created = false;
	}
}

void rdo_eq_rings_free(struct rdo_dev *rdev)
{
	unsigned int i;

	for (i = 0; i < rdev->num_eqs; i++)
		rdo_ring_free(rdev, &rdev->eqs[i].ring);
}
