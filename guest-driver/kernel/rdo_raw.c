// SPDX-License-Identifier: GPL-2.0
/*
 * rdma_offload: raw packet QPs (IB_QPT_RAW_PACKET), user space only. Such
 * a QP is one of the Ethernet TXQ/RXQ pairs set aside for raw QPs
 * (rdo_eth_raw_range), both queues keyed with the QP's PD so that their
 * SGEs and buffers are the process's MRs, their rings the process's
 * memory (rdma_offload-abi.h, "IBV_QPT_RAW_PACKET"). The device has no QP
 * for it: its states are the driver's record, except that the queues are
 * made at RESET->INIT (when the port is known: an RXQ takes the frames of
 * one port) and destroyed at RESET or ERR. ib_core checks CAP_NET_RAW.
 */
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/slab.h>

#include "rdo_ib.h"

/* A verbs flow of a raw QP: one device rule on its RXQ (see below). */
struct rdo_flow {
	struct ib_flow ibflow;
	struct rdo_qp *qp;
	struct list_head node;		/* in qp->raw_flows */
	struct rdo_cmd_create_flow_rule rule;
	u32 port;
	u32 num;			/* the device's rule, while installed */
	bool installed;
};

/* Called with state_lock held, the QP's RXQ made. */
static int rdo_flow_install(struct rdo_flow *f)
{
	struct rdo_qp *qp = f->qp;
	struct rdo_cqp_cmd cmd = { .opcode = RDO_CMD_CREATE_FLOW_RULE, .obj = qp->raw_q };
	int ret;

	cmd.u.flow_rule = f->rule;
	ret = rdo_cqp_exec(qp->rdev, &cmd, &f->num, NULL, 0);
	f->installed = !ret;
	return ret;
}

/* Takes a free raw pair: its TXQ and RXQ number, or -ENOSPC. */
static int rdo_raw_q_get(struct rdo_dev *rdev)
{
	unsigned int base, n = rdo_eth_raw_range(rdev, &base), i;

	for (i = 0; i < n; i++)
		if (!test_and_set_bit(i, &rdev->raw_q_used))
			return base + i;
	return -ENOSPC;
}

static void rdo_raw_q_put(struct rdo_dev *rdev, unsigned int q)
{
	unsigned int base;

	rdo_eth_raw_range(rdev, &base);
	clear_bit(q - base, &rdev->raw_q_used);
}

/* Buffers an RX WQE of stride 2^shift holds: one, or a scatter list. */
static u32 rdo_raw_rx_sges(u8 shift)
{
	if (shift == RDO_ETH_RX_WQE_SHIFT)
		return 1;
	return ((1u << shift) - sizeof(struct rdo_eth_rx_sg_wqe)) /
	       sizeof(struct rdo_sge);
}

/* The user's rings, checked against the device's Ethernet WQE formats. */
static int rdo_raw_rings(struct rdo_qp *qp, struct ib_qp_init_attr *init,
			 struct ib_udata *udata)
{
	struct rdo_dev *rdev = qp->rdev;
	struct ib_qp_cap *cap = &init->cap;
	u32 max_log = min_t(u32, rdev->attr.max_qp_log_size, RDO_QUEUE_LOG_SIZE_MAX);
	struct rdo_create_qp_req req;
	u32 tx_sges, rx_sges;
	bool scatter;
	int ret;

	ret = rdo_udata_in(udata, &req, sizeof(req));
	if (ret)
		return ret;
	/* One buffer per RX WQE, or a scatter WQE (no LRO with those). */
	scatter = req.rq_wqe_shift != RDO_ETH_RX_WQE_SHIFT;
	/* A device without scatter RXQs would read the ring as one-buffer WQEs. */
	if (scatter && !(rdev->caps & RDO_CAP_ETH_RX_SG))
		return -EOPNOTSUPP;
	if (req.flags & ~RDO_CREATE_QP_F_RAW_LRO ||
	    req.sq_wqe_shift < RDO_ETH_TX_WQE_SHIFT_MIN ||
	    req.sq_wqe_shift > RDO_WQE_SHIFT_MAX ||
	    (scatter && (req.rq_wqe_shift < RDO_ETH_RX_SG_SHIFT_MIN ||
			 req.rq_wqe_shift > RDO_WQE_SHIFT_MAX ||
			 (req.flags & RDO_CREATE_QP_F_RAW_LRO))) ||
	    !req.sq_log_size || req.sq_log_size > max_log ||
	    !req.rq_log_size || req.rq_log_size > max_log ||
	    (1u << req.sq_log_size) < cap->max_send_wr ||
	    (1u << req.rq_log_size) < cap->max_recv_wr)
		return -EINVAL;
	/* A TX WQE is a 32-byte header and SGEs. */
	tx_sges = ((1u << req.sq_wqe_shift) - sizeof(struct rdo_eth_tx_wqe)) /
		  sizeof(struct rdo_sge);
	tx_sges = min_t(u32, tx_sges, U8_MAX);
	rx_sges = rdo_raw_rx_sges(req.rq_wqe_shift);
	if (cap->max_send_sge > tx_sges || cap->max_recv_sge > rx_sges ||
	    cap->max_inline_data)
		return -EINVAL;
	qp->raw_lro = req.flags & RDO_CREATE_QP_F_RAW_LRO;
	ret = rdo_ring_from_user(rdev, qp->ibqp.device, &qp->sq.ring, req.sq_addr,
				 req.sq_log_size, req.sq_wqe_shift);
	if (ret)
		return ret;
	ret = rdo_ring_from_user(rdev, qp->ibqp.device, &qp->rq.ring, req.rq_addr,
				 req.rq_log_size, req.rq_wqe_shift);
	if (ret) {
		rdo_ring_free(rdev, &qp->sq.ring);
		return ret;
	}
	cap->max_send_wr = 1u << req.sq_log_size;
	cap->max_recv_wr = 1u << req.rq_log_size;
	cap->max_send_sge = tx_sges;
	cap->max_recv_sge = rx_sges;
	return 0;
}

int rdo_raw_qp_create(struct rdo_qp *qp, struct ib_qp_init_attr *init,
		      struct ib_udata *udata)
{
	struct rdo_dev *rdev = qp->rdev;
	struct rdo_create_qp_resp resp = {};
	int q, qpn, ret;

	/* The rings are the process's; an old provider cannot ring them. */
	if (!udata)
		return -EOPNOTSUPP;
	if (init->srq || init->create_flags || !init->send_cq || !init->recv_cq ||
	    udata->outlen < sizeof(resp))
		return -EINVAL;
	q = rdo_raw_q_get(rdev);
	if (q < 0)
		return q;
	qp->raw_q = q;
	qp->raw_made = false;
	qp->raw_db_page = rdo_udata_db_page(udata);
	INIT_LIST_HEAD(&qp->raw_flows);
	mutex_init(&qp->state_lock);
	qp->state = IB_QPS_RESET;
	qp->user = true;
	qp->port = 1;
	ret = rdo_raw_rings(qp, init, udata);
	if (ret)
		goto err_q;
	/* A number of the QP space, so that ib_core's QP numbers stay unique. */
	qpn = rdo_qpn_alloc(rdev);
	if (qpn < 0) {
		ret = qpn;
		goto err_rings;
	}
	qp->qpn = qpn;
	qp->ibqp.qp_num = qpn;
	init->cap.max_inline_data = 0;
	resp.qpn = qpn;
	resp.comp_mask = RDO_CREATE_QP_RESP_RAW;
	resp.raw_txq = q;
	resp.raw_rxq = q;
	resp.db_page = qp->raw_db_page;
	ret = rdo_udata_out(udata, &resp, sizeof(resp));
	if (ret)
		goto err_qpn;
	return 0;
err_qpn:
	rdo_id_free(rdev, RDO_USE_QP, &rdev->qp_ida, qpn);
err_rings:
	rdo_ring_free(rdev, &qp->rq.ring);
	rdo_ring_free(rdev, &qp->sq.ring);
err_q:
	rdo_raw_q_put(rdev, q);
	return ret;
}

/*
 * Destroys the QP's TXQ and RXQ (the device drops the RXQ's steering
 * rules with it). False if the device kept one: its rings must stay.
 */
static bool rdo_raw_queues_down(struct rdo_qp *qp)
{
	struct rdo_dev *rdev = qp->rdev;
	struct rdo_flow *f;
	bool gone = true;

	if (!qp->raw_made)
		return true;
	qp->raw_made = false;
	/* The device drops the RXQ's rules with it. */
	list_for_each_entry(f, &qp->raw_flows, node)
		f->installed = false;
	if (rdo_cqp_simple(rdev, RDO_CMD_DESTROY_ETH_RXQ, qp->raw_q))
		gone = false;
	if (rdo_cqp_simple(rdev, RDO_CMD_DESTROY_ETH_TXQ, qp->raw_q))
		gone = false;
	if (!gone && !rdo_dead(rdev)) {
		dev_err(&rdev->pdev->dev, "the device kept raw QP %u's Ethernet queues %u\n",
			qp->qpn, qp->raw_q);
		return false;
	}
	return true;
}

/* RESET->INIT: the keyed TXQ and RXQ, the RXQ for the frames of `port`. */
static int rdo_raw_queues_up(struct rdo_qp *qp, u32 port)
{
	struct rdo_cqp_cmd cmd = { .opcode = RDO_CMD_CREATE_ETH_TXQ, .obj = qp->raw_q };
	struct rdo_cmd_create_eth_txq *t = &cmd.u.create_eth_txq;
	struct rdo_cmd_create_eth_rxq *r = &cmd.u.create_eth_rxq;
	struct rdo_dev *rdev = qp->rdev;
	u32 pdn = to_rpd(qp->ibqp.pd)->pdn;
	int ret;

	t->ring_addr = rdo_ring_addr(&qp->sq.ring);
	t->log_size = qp->sq.ring.log_size;
	t->wqe_shift = qp->sq.ring.stride_shift;
	t->ring_flags = rdo_ring_flags(&qp->sq.ring);
	t->flags = RDO_ETH_TXQ_F_KEYED;
	t->db_page = qp->raw_db_page;
	t->cqn = to_rcq(qp->ibqp.send_cq)->cqn;
	t->pdn = pdn;
	ret = rdo_cqp_exec(rdev, &cmd, NULL, NULL, 0);
	if (ret)
		return ret;

	memset(&cmd, 0, sizeof(cmd));
	cmd.opcode = RDO_CMD_CREATE_ETH_RXQ;
	cmd.obj = qp->raw_q;
	r->ring_addr = rdo_ring_addr(&qp->rq.ring);
	r->log_size = qp->rq.ring.log_size;
	r->wqe_shift = qp->rq.ring.stride_shift;
	r->ring_flags = rdo_ring_flags(&qp->rq.ring);
	r->flags = RDO_ETH_RXQ_F_KEYED;
	if (qp->raw_lro) {
		r->flags |= RDO_ETH_RXQ_F_LRO;
		r->lro_usec = rdo_eth_lro_usec();
	}
	r->port = port;
	r->db_page = qp->raw_db_page;
	r->cqn = to_rcq(qp->ibqp.recv_cq)->cqn;
	r->pdn = pdn;
	ret = rdo_cqp_exec(rdev, &cmd, NULL, NULL, 0);
	if (ret) {
		if (rdo_cqp_simple(rdev, RDO_CMD_DESTROY_ETH_TXQ, qp->raw_q) &&
		    !rdo_dead(rdev))
			qp->raw_made = true;	/* keep the rings: destroy retries */
		return ret;
	}
	qp->raw_made = true;
	return 0;
}

/* Flows of the QP kept across RESET get their rules again (same port). */
static void rdo_raw_flows_restore(struct rdo_qp *qp)
{
	struct rdo_flow *f;
	int ret;

	list_for_each_entry(f, &qp->raw_flows, node) {
		if (f->port != qp->port)
			continue;
		ret = rdo_flow_install(f);
		if (ret)
			dev_warn(&qp->rdev->pdev->dev, "raw QP %u: a flow has no rule: %d\n",
				 qp->qpn, ret);
	}
}

int rdo_raw_qp_modify(struct rdo_qp *qp, struct ib_qp_attr *attr, int mask,
		      struct ib_udata *udata)
{
	struct rdo_dev *rdev = qp->rdev;
	enum ib_qp_state cur, next;
	int ret = 0;

	/* No driver data for raw QPs: a newer provider's must be 0. */
	if (udata && udata->inlen && !ib_is_udata_cleared(udata, 0, udata->inlen))
		return -EOPNOTSUPP;
	mutex_lock(&qp->state_lock);
	cur = qp->state;
	next = (mask & IB_QP_STATE) ? attr->qp_state : cur;
	if (((mask & IB_QP_CUR_STATE) && attr->cur_qp_state != cur) ||
	    !ib_modify_qp_is_ok(cur, next, IB_QPT_RAW_PACKET, mask) ||
	    ((mask & IB_QP_PORT) &&
	     (!attr->port_num || attr->port_num > max(rdev->ports, 1u) ||
	      (cur != IB_QPS_RESET && attr->port_num != qp->port)))) {
		ret = -EINVAL;
		goto out;
	}
	if (cur == IB_QPS_RESET && next == IB_QPS_INIT) {
		if (qp->raw_made && !rdo_raw_queues_down(qp)) {
			ret = -EIO;
			goto out;
		}
		ret = rdo_raw_queues_up(qp, attr->port_num);
		if (ret)
			goto out;
		qp->port = attr->port_num;
		rdo_raw_flows_restore(qp);
	} else if (next == IB_QPS_RESET || next == IB_QPS_ERR) {
		/* Kept queues still hold the rings: destroy tries again. */
		if (!rdo_raw_queues_down(qp))
			qp->raw_made = true;
	}
	WRITE_ONCE(qp->state, next);
out:
	mutex_unlock(&qp->state_lock);
	return ret;
}

void rdo_raw_qp_query(struct rdo_qp *qp, struct ib_qp_attr *attr,
		      struct ib_qp_init_attr *init)
{
	memset(attr, 0, sizeof(*attr));
	memset(init, 0, sizeof(*init));
	attr->qp_state = READ_ONCE(qp->state);
	attr->cur_qp_state = attr->qp_state;
	attr->port_num = qp->port;
	attr->cap.max_send_wr = 1u << qp->sq.ring.log_size;
	attr->cap.max_recv_wr = 1u << qp->rq.ring.log_size;
	attr->cap.max_send_sge = min_t(u32, ((1u << qp->sq.ring.stride_shift) -
					     sizeof(struct rdo_eth_tx_wqe)) /
				       sizeof(struct rdo_sge), U8_MAX);
	attr->cap.max_recv_sge = rdo_raw_rx_sges(qp->rq.ring.stride_shift);
	init->qp_type = IB_QPT_RAW_PACKET;
	init->send_cq = qp->ibqp.send_cq;
	init->recv_cq = qp->ibqp.recv_cq;
	init->cap = attr->cap;
	init->sq_sig_type = IB_SIGNAL_ALL_WR;
}

int rdo_raw_qp_destroy(struct rdo_qp *qp)
{
	struct rdo_dev *rdev = qp->rdev;

	mutex_lock(&qp->state_lock);
	if (!rdo_raw_queues_down(qp)) {
		/* The device may still write them: leak rather than unpin. */
		dev_err(&rdev->pdev->dev, "raw QP %u's rings are leaked\n", qp->qpn);
	} else {
		rdo_ring_free(rdev, &qp->rq.ring);
		rdo_ring_free(rdev, &qp->sq.ring);
		rdo_raw_q_put(rdev, qp->raw_q);
	}
	rdo_id_free(rdev, RDO_USE_QP, &rdev->qp_ida, qp->qpn);
	mutex_unlock(&qp->state_lock);
	return 0;
}

/*
 * Flow steering (ib_device_ops create_flow/destroy_flow): a verbs flow of
 * a raw QP is one device rule (RDO_CMD_CREATE_FLOW_RULE) sending the
 * matching frames of the QP's port to its RXQ. The device matches whole
 * fields, so each verbs mask must name a field entirely or not at all.
 */
/* A whole field (1), none of it (0), or part (-EOPNOTSUPP). */
static int rdo_flow_mask(const void *mask, size_t len)
{
	if (!memchr_inv(mask, 0, len))
		return 0;
	return memchr_inv(mask, 0xff, len) ? -EOPNOTSUPP : 1;
}

/* The field `m` (of `len` bytes) masks, copied to `to` with match bit `bit`. */
static int rdo_flow_field(struct rdo_cmd_create_flow_rule *r, u16 bit,
			  void *to, const void *val, const void *m, size_t len)
{
	int ret = rdo_flow_mask(m, len);

	if (ret <= 0)
		return ret;
	memcpy(to, val, len);
	r->match |= bit;
	return 0;
}

/* An IP spec or a TCP/UDP spec names an ethertype or a protocol: agreed? */
static int rdo_flow_implied(struct rdo_cmd_create_flow_rule *r, u16 bit,
			    u16 have, u16 want)
{
	if ((r->match & bit) && have != want)
		return -EINVAL;
	r->match |= bit;
	return 0;
}

static int rdo_flow_spec_eth(struct rdo_cmd_create_flow_rule *r,
			     const struct ib_flow_spec_eth *e)
{
	u16 et = be16_to_cpu(e->val.ether_type);
	int ret;

	/* No source MAC or VLAN in the device's rules. */
	if (rdo_flow_mask(e->mask.src_mac, 6) || e->mask.vlan_tag)
		return -EOPNOTSUPP;
	ret = rdo_flow_field(r, RDO_FLOW_M_DMAC, r->dmac, e->val.dst_mac,
			     e->mask.dst_mac, 6);
	if (ret || !e->mask.ether_type)
		return ret;
	if (e->mask.ether_type != cpu_to_be16(0xffff))
		return -EOPNOTSUPP;
	if ((r->match & RDO_FLOW_M_ETHERTYPE) && r->ethertype != et)
		return -EINVAL;
	r->ethertype = et;
	r->match |= RDO_FLOW_M_ETHERTYPE;
	return 0;
}

static int rdo_flow_spec_ipv4(struct rdo_cmd_create_flow_rule *r,
			      const struct ib_flow_spec_ipv4 *s)
{
	int ret;

	if (s->mask.tos || s->mask.ttl || s->mask.flags)
		return -EOPNOTSUPP;
	ret = rdo_flow_field(r, RDO_FLOW_M_SRC_IP, r->src_ip, &s->val.src_ip,
			     &s->mask.src_ip, 4);
	if (!ret)
		ret = rdo_flow_field(r, RDO_FLOW_M_DST_IP, r->dst_ip,
				     &s->val.dst_ip, &s->mask.dst_ip, 4);
	if (!ret && s->mask.proto) {
		if (s->mask.proto != 0xff)
			return -EOPNOTSUPP;
		ret = rdo_flow_implied(r, RDO_FLOW_M_IP_PROTO, r->ip_proto, s->val.proto);
		r->ip_proto = s->val.proto;
	}
	return ret;
}

static int rdo_flow_spec_ipv6(struct rdo_cmd_create_flow_rule *r,
			      const struct ib_flow_spec_ipv6 *s)
{
	int ret;

	if (s->mask.flow_label || s->mask.traffic_class || s->mask.hop_limit)
		return -EOPNOTSUPP;
	ret = rdo_flow_field(r, RDO_FLOW_M_SRC_IP, r->src_ip, s->val.src_ip,
			     s->mask.src_ip, 16);
	if (!ret)
		ret = rdo_flow_field(r, RDO_FLOW_M_DST_IP, r->dst_ip, s->val.dst_ip,
				     s->mask.dst_ip, 16);
	if (!ret && (r->match & (RDO_FLOW_M_SRC_IP | RDO_FLOW_M_DST_IP)))
		r->match |= RDO_FLOW_M_IPV6;
	if (!ret && s->mask.next_hdr) {
		if (s->mask.next_hdr != 0xff)
			return -EOPNOTSUPP;
		ret = rdo_flow_implied(r, RDO_FLOW_M_IP_PROTO, r->ip_proto,
				       s->val.next_hdr);
		r->ip_proto = s->val.next_hdr;
	}
	return ret;
}

static int rdo_flow_spec_l4(struct rdo_cmd_create_flow_rule *r,
			    const struct ib_flow_spec_tcp_udp *s, u8 proto)
{
	int ret = rdo_flow_implied(r, RDO_FLOW_M_IP_PROTO, r->ip_proto, proto);
	__be16 port;

	r->ip_proto = proto;
	if (!ret)
		ret = rdo_flow_field(r, RDO_FLOW_M_SRC_PORT, &port, &s->val.src_port,
				     &s->mask.src_port, 2);
	if (!ret && (r->match & RDO_FLOW_M_SRC_PORT))
		r->src_port = be16_to_cpu(port);
	if (!ret)
		ret = rdo_flow_field(r, RDO_FLOW_M_DST_PORT, &port, &s->val.dst_port,
				     &s->mask.dst_port, 2);
	if (!ret && (r->match & RDO_FLOW_M_DST_PORT))
		r->dst_port = be16_to_cpu(port);
	return ret;
}

/*
 * The verbs specs as one device rule; -EOPNOTSUPP for what it cannot
 * match. Not static: the self-test checks the translation.
 */
int rdo_raw_flow_rule(const struct ib_flow_attr *attr,
			 struct rdo_cmd_create_flow_rule *r)
{
	const u8 *p = (const u8 *)attr->flows;
	unsigned int i, seen = 0, l3 = 0;
	int ret = 0;

	if (attr->type != IB_FLOW_ATTR_NORMAL || attr->flags)
		return -EOPNOTSUPP;
	if (attr->priority > RDO_ETH_FLOW_PRIO_MAX || !attr->num_of_specs)
		return -EINVAL;
	memset(r, 0, sizeof(*r));
	r->priority = attr->priority;
	for (i = 0; i < attr->num_of_specs && !ret; i++) {
		const union ib_flow_spec *s = (const union ib_flow_spec *)p;
		unsigned int layer = (s->type & IB_FLOW_SPEC_LAYER_MASK) >> 4;

		/* One spec of a layer; ib_core sized each for its type. */
		if (!s->size || (seen & BIT(layer)))
			return -EINVAL;
		seen |= BIT(layer);
		switch (s->type) {
		case IB_FLOW_SPEC_ETH:
			ret = rdo_flow_spec_eth(r, &s->eth);
			break;
		case IB_FLOW_SPEC_IPV4:
			l3 = ETH_P_IP;
			ret = rdo_flow_spec_ipv4(r, &s->ipv4);
			break;
		case IB_FLOW_SPEC_IPV6:
			l3 = ETH_P_IPV6;
			ret = rdo_flow_spec_ipv6(r, &s->ipv6);
			break;
		case IB_FLOW_SPEC_TCP:
			ret = rdo_flow_spec_l4(r, &s->tcp_udp, IPPROTO_TCP);
			break;
		case IB_FLOW_SPEC_UDP:
			ret = rdo_flow_spec_l4(r, &s->tcp_udp, IPPROTO_UDP);
			break;
		default:	/* IB, tunnels, inner headers, actions */
			return -EOPNOTSUPP;
		}
		p += s->size;
	}
	/* An IP spec keeps the rule to its IP version. */
	if (!ret && l3)
		ret = rdo_flow_implied(r, RDO_FLOW_M_ETHERTYPE, r->ethertype, l3);
	if (!ret && l3)
		r->ethertype = l3;
	if (ret)
		return ret;
	/* Rules the device would refuse: matching nothing, or RoCEv2. */
	if (!r->match ||
	    ((r->match & RDO_FLOW_M_IP_PROTO) && (r->match & RDO_FLOW_M_ETHERTYPE) &&
	     r->ethertype != ETH_P_IP && r->ethertype != ETH_P_IPV6) ||
	    ((r->match & RDO_FLOW_M_DST_PORT) && r->ip_proto == IPPROTO_UDP &&
	     r->dst_port == RDO_ROCE_UDP_PORT))
		return -EINVAL;
	return 0;
}

struct ib_flow *rdo_raw_create_flow(struct ib_qp *ibqp, struct ib_flow_attr *attr,
				    struct ib_udata *udata)
{
	struct rdo_qp *qp = to_rqp(ibqp);
	struct rdo_flow *f;
	int ret;

	if (qp->type != RDO_QPT_RAW)
		return ERR_PTR(-EOPNOTSUPP);
	if (udata && udata->inlen && !ib_is_udata_cleared(udata, 0, udata->inlen))
		return ERR_PTR(-EOPNOTSUPP);
	f = kzalloc(sizeof(*f), GFP_KERNEL);
	if (!f)
		return ERR_PTR(-ENOMEM);
	ret = rdo_raw_flow_rule(attr, &f->rule);
	if (ret)
		goto err;
	f->qp = qp;
	f->port = attr->port;
	mutex_lock(&qp->state_lock);
	/* The RXQ takes one port's frames, known from RESET->INIT on. */
	if (!qp->raw_made || attr->port != qp->port)
		ret = -EINVAL;
	else
		ret = rdo_flow_install(f);
	if (!ret)
		list_add_tail(&f->node, &qp->raw_flows);
	mutex_unlock(&qp->state_lock);
	if (ret)
		goto err;
	return &f->ibflow;
err:
	kfree(f);
	return ERR_PTR(ret);
}

int rdo_raw_destroy_flow(struct ib_flow *ibflow)
{
	struct rdo_flow *f = container_of(ibflow, struct rdo_flow, ibflow);
	struct rdo_qp *qp = f->qp;

	mutex_lock(&qp->state_lock);
	if (f->installed &&
	    rdo_cqp_simple(qp->rdev, RDO_CMD_DESTROY_FLOW_RULE, f->num) &&
	    !rdo_dead(qp->rdev))
		dev_err(&qp->rdev->pdev->dev, "the device kept flow rule %u of raw QP %u\n",
			f->num, qp->qpn);
	list_del(&f->node);
	mutex_unlock(&qp->state_lock);
	kfree(f);
	return 0;
}
