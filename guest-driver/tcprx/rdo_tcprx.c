// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * rdo_tcprx: one TCP stream's receive side in user space over a raw packet
 * QP (rdo_tcprx.h). The TCP part is the least a receiver needs: a passive
 * open (MSS and window scale options, no timestamps or SACK, so the
 * peer's segments carry no options and the device's LRO takes them), the
 * next expected byte, an ACK per receive completion that brought data,
 * and the close (FIN answered with ACK and our FIN). Segments beyond the
 * next byte are dropped with a duplicate ACK; the peer retransmits.
 * IPv4 without VLAN tags only.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <infiniband/rdodv.h>

#include "rdo_tcprx.h"

#define TX_SLOTS	64
#define TX_FRAME	64	/* a header-only segment: 14 + 20 + 20 + 8 options */
#define WSCALE		7
#define ISS		0x5eed0000u	/* our sequence number: fixed, the tests are deterministic */
#define FIN_TRIES	5

#define TH_FIN	0x01
#define TH_SYN	0x02
#define TH_RST	0x04
#define TH_PSH	0x08
#define TH_ACK	0x10

enum { ST_LISTEN, ST_SYN_RCVD, ST_ESTABLISHED, ST_CLOSED };

struct rdo_tcprx {
	struct ibv_context *ctx;
	struct ibv_pd *pd;
	struct ibv_cq *scq, *rcq;
	struct ibv_qp *qp;
	struct ibv_flow *flow;
	struct ibv_mr *rx_mr, *tx_mr;
	uint8_t *rx_area, *tx_area;
	uint32_t nbuf, buf_size, stride;
	uint32_t tx_pi, tx_ci;
	uint8_t mac[6], peer_mac[6];
	uint32_t ip, peer_ip;		/* network order */
	uint16_t port, peer_port;	/* host order */
	uint16_t mss;
	int state;
	bool peer_ws;
	uint32_t rcv_nxt, snd_nxt;
	uint32_t rcv_wnd;		/* bytes: one MSS per buffer we keep posted */
	/* The completion being read: buffer, payload left in it. */
	int cur;
	const uint8_t *cur_data;
	uint32_t cur_len;
	bool fin;			/* the peer's FIN reached */
	struct rdo_tcprx_stats st;
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t get32(const uint8_t *p) { return (uint32_t)get16(p) << 16 | get16(p + 2); }
static void put16(uint8_t *p, uint16_t v) { p[0] = v >> 8; p[1] = v; }
static void put32(uint8_t *p, uint32_t v) { put16(p, v >> 16); put16(p + 2, v); }
/* a < b in sequence space */
static bool seq_lt(uint32_t a, uint32_t b) { return (int32_t)(a - b) < 0; }

/* The interface's MAC, IPv4 address, MTU and the ib_device and port behind it. */
static int if_info(struct rdo_tcprx *rx, const char *ifname, char *ibdev, size_t ibdev_len,
		   int *port)
{
	struct ifreq ifr = {};
	char path[256];
	struct dirent *e;
	FILE *f;
	DIR *d;
	int s, ret = 0, dev_port = 0;

	if (!ifname || strlen(ifname) >= IFNAMSIZ)
		return EINVAL;
	s = socket(AF_INET, SOCK_DGRAM, 0);
	if (s < 0)
		return errno;
	strcpy(ifr.ifr_name, ifname);
	if (ioctl(s, SIOCGIFHWADDR, &ifr) < 0)
		ret = errno;
	else
		memcpy(rx->mac, ifr.ifr_hwaddr.sa_data, 6);
	if (!ret && ioctl(s, SIOCGIFADDR, &ifr) < 0)
		ret = errno;
	else if (!ret)
		rx->ip = ((struct sockaddr_in *)&ifr.ifr_addr)->sin_addr.s_addr;
	if (!ret && ioctl(s, SIOCGIFMTU, &ifr) < 0)
		ret = errno;
	else if (!ret)
		rx->mss = ifr.ifr_mtu - 40;
	close(s);
	if (ret)
		return ret;
	/* The net_device's ib_device: its PCI function's infiniband/ entry. */
	snprintf(path, sizeof(path), "/sys/class/net/%s/device/infiniband", ifname);
	d = opendir(path);
	if (!d)
		return ENODEV;
	ret = ENODEV;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.' && strlen(e->d_name) < ibdev_len) {
			strcpy(ibdev, e->d_name);
			ret = 0;
			break;
		}
	closedir(d);
	if (ret)
		return ret;
	snprintf(path, sizeof(path), "/sys/class/net/%s/dev_port", ifname);
	f = fopen(path, "r");
	if (f) {
		if (fscanf(f, "%d", &dev_port) != 1)
			dev_port = 0;
		fclose(f);
	}
	*port = dev_port + 1;
	return 0;
}

static int open_device(struct rdo_tcprx *rx, const char *name)
{
	struct ibv_device **list = ibv_get_device_list(NULL);
	int i, ret = ENODEV;

	for (i = 0; list && list[i]; i++) {
		if (strcmp(ibv_get_device_name(list[i]), name))
			continue;
		ret = rdodv_is_supported(list[i]) ? 0 : EOPNOTSUPP;
		if (!ret) {
			rx->ctx = ibv_open_device(list[i]);
			ret = rx->ctx ? 0 : errno;
		}
		break;
	}
	if (list)
		ibv_free_device_list(list);
	return ret;
}

static uint8_t *rx_buf(struct rdo_tcprx *rx, uint32_t i)
{
	/* An odd offset and stride: no buffer is aligned, most span pages. */
	return rx->rx_area + 3 + (size_t)i * rx->stride;
}

static int post_rx(struct rdo_tcprx *rx, uint32_t i, bool bad_key)
{
	struct ibv_sge sge = {
		.addr = (uintptr_t)rx_buf(rx, i),
		.length = rx->buf_size,
		.lkey = bad_key ? rx->rx_mr->lkey ^ 0x5a5a00 : rx->rx_mr->lkey,
	};
	struct ibv_recv_wr wr = { .wr_id = i, .sg_list = &sge, .num_sge = 1 }, *bad;

	return ibv_post_recv(rx->qp, &wr, &bad);
}

/* One rule: frames to our MAC, our address and the listening port. */
static int steer(struct rdo_tcprx *rx, int port)
{
	struct {
		struct ibv_flow_attr attr;
		struct ibv_flow_spec_eth eth;
		struct ibv_flow_spec_ipv4 ip;
		struct ibv_flow_spec_tcp_udp tcp;
	} __attribute__((packed, aligned(8))) fa = {
		.attr = { .type = IBV_FLOW_ATTR_NORMAL, .size = sizeof(fa),
			  .num_of_specs = 3, .port = port },
		.eth = { .type = IBV_FLOW_SPEC_ETH, .size = sizeof(fa.eth) },
		.ip = { .type = IBV_FLOW_SPEC_IPV4, .size = sizeof(fa.ip) },
		.tcp = { .type = IBV_FLOW_SPEC_TCP, .size = sizeof(fa.tcp) },
	};

	memcpy(fa.eth.val.dst_mac, rx->mac, 6);
	memset(fa.eth.mask.dst_mac, 0xff, 6);
	fa.ip.val.dst_ip = rx->ip;
	fa.ip.mask.dst_ip = 0xffffffff;
	fa.tcp.val.dst_port = htons(rx->port);
	fa.tcp.mask.dst_port = 0xffff;
	rx->flow = ibv_create_flow(rx->qp, (struct ibv_flow_attr *)(void *)&fa);
	return rx->flow ? 0 : errno;
}

static int setup(struct rdo_tcprx *rx, const struct rdo_tcprx_attr *attr)
{
	struct ibv_qp_init_attr_ex qa = {};
	struct ibv_qp_attr ma = {};
	char ibdev[64];
	size_t rx_len;
	uint32_t i;
	int port = 1, ret;

	ret = if_info(rx, attr->ifname, ibdev, sizeof(ibdev), &port);
	if (!ret)
		ret = open_device(rx, ibdev);
	if (ret)
		return ret;
	rx->pd = ibv_alloc_pd(rx->ctx);
	rx->scq = ibv_create_cq(rx->ctx, TX_SLOTS, NULL, NULL, 0);
	rx->rcq = ibv_create_cq(rx->ctx, rx->nbuf, NULL, NULL, 0);
	if (!rx->pd || !rx->scq || !rx->rcq)
		return errno ? errno : ENOMEM;
	/* Payload buffers and ACK frames are ordinary heap memory. */
	rx_len = 3 + (size_t)rx->nbuf * rx->stride;
	rx->rx_area = malloc(rx_len);
	rx->tx_area = malloc(TX_SLOTS * TX_FRAME);
	if (!rx->rx_area || !rx->tx_area)
		return ENOMEM;
	rx->rx_mr = ibv_reg_mr(rx->pd, rx->rx_area, rx_len, IBV_ACCESS_LOCAL_WRITE);
	rx->tx_mr = ibv_reg_mr(rx->pd, rx->tx_area, TX_SLOTS * TX_FRAME, 0);
	if (!rx->rx_mr || !rx->tx_mr)
		return errno ? errno : ENOMEM;

	qa.qp_type = IBV_QPT_RAW_PACKET;
	qa.send_cq = rx->scq;
	qa.recv_cq = rx->rcq;
	qa.cap.max_send_wr = TX_SLOTS;
	qa.cap.max_recv_wr = rx->nbuf;
	qa.cap.max_send_sge = 1;
	qa.cap.max_recv_sge = 1;
	qa.sq_sig_all = 1;
	qa.pd = rx->pd;
	qa.comp_mask = IBV_QP_INIT_ATTR_PD;
	if (attr->lro) {
		qa.comp_mask |= IBV_QP_INIT_ATTR_CREATE_FLAGS;
		qa.create_flags = RDODV_QP_CREATE_RAW_LRO;
	}
	rx->qp = ibv_create_qp_ex(rx->ctx, &qa);
	if (!rx->qp)
		return errno;
	ma.qp_state = IBV_QPS_INIT;
	ma.port_num = port;
	if ((ret = ibv_modify_qp(rx->qp, &ma, IBV_QP_STATE | IBV_QP_PORT)))
		return ret;
	ma.qp_state = IBV_QPS_RTR;
	if ((ret = ibv_modify_qp(rx->qp, &ma, IBV_QP_STATE)))
		return ret;
	ma.qp_state = IBV_QPS_RTS;
	if ((ret = ibv_modify_qp(rx->qp, &ma, IBV_QP_STATE)))
		return ret;
	for (i = 0; i < rx->nbuf; i++)
		if ((ret = post_rx(rx, i, i < attr->bad_lkey_buffers)))
			return ret;
	return steer(rx, port);
}

struct rdo_tcprx *rdo_tcprx_listen(const struct rdo_tcprx_attr *attr)
{
	struct rdo_tcprx *rx = calloc(1, sizeof(*rx));
	int ret;

	if (!rx)
		return NULL;
	rx->nbuf = attr->buffers ? attr->buffers : 256;
	rx->buf_size = attr->buf_size ? attr->buf_size : 16384;
	rx->stride = rx->buf_size | 1;
	rx->port = attr->port;
	rx->cur = -1;
	if (rx->nbuf & (rx->nbuf - 1) || rx->nbuf < 4 || rx->buf_size < 64 ||
	    rx->buf_size > 65536 || attr->bad_lkey_buffers >= rx->nbuf || !attr->port) {
		free(rx);
		errno = EINVAL;
		return NULL;
	}
	ret = setup(rx, attr);
	if (ret) {
		rdo_tcprx_close(rx);
		errno = ret;
		return NULL;
	}
	/* Each segment takes at most one buffer: never more in flight than we hold. */
	rx->rcv_wnd = (rx->nbuf - 2) * rx->mss;
	return rx;
}

/* Takes the send completions; 0 or EIO after a failed send. */
static int reap_tx(struct rdo_tcprx *rx)
{
	struct ibv_wc wc[16];
	int n, i, ret = 0;

	while ((n = ibv_poll_cq(rx->scq, 16, wc)) > 0)
		for (i = 0; i < n; i++) {
			rx->tx_ci++;
			if (wc[i].status != IBV_WC_SUCCESS)
				ret = EIO;
		}
	return n < 0 ? EIO : ret;
}

/* One header-only segment to the peer; the device fills both checksums. */
static int send_seg(struct rdo_tcprx *rx, uint8_t flags, uint32_t seq)
{
	uint8_t *f, *ip, *th;
	uint32_t win = rx->rcv_wnd, optlen = flags & TH_SYN ? (rx->peer_ws ? 8 : 4) : 0;
	struct ibv_sge sge;
	struct ibv_send_wr wr = { .sg_list = &sge, .num_sge = 1, .opcode = IBV_WR_SEND,
				  .send_flags = IBV_SEND_SIGNALED | IBV_SEND_IP_CSUM }, *bad;
	int ret;

	if ((ret = reap_tx(rx)))
		return ret;
	if (rx->tx_pi - rx->tx_ci >= TX_SLOTS)
		return ENOBUFS;
	f = rx->tx_area + (rx->tx_pi % TX_SLOTS) * TX_FRAME;
	memset(f, 0, TX_FRAME);
	memcpy(f, rx->peer_mac, 6);
	memcpy(f + 6, rx->mac, 6);
	put16(f + 12, 0x0800);
	ip = f + 14;
	ip[0] = 0x45;
	put16(ip + 2, 40 + optlen);
	put16(ip + 6, 0x4000);		/* DF */
	ip[8] = 64;
	ip[9] = IPPROTO_TCP;
	memcpy(ip + 12, &rx->ip, 4);
	memcpy(ip + 16, &rx->peer_ip, 4);
	th = ip + 20;
	put16(th, rx->port);
	put16(th + 2, rx->peer_port);
	put32(th + 4, seq);
	put32(th + 8, rx->rcv_nxt);
	th[12] = (uint8_t)((20 + optlen) / 4) << 4;
	th[13] = flags | TH_ACK;
	/* The SYN's window is never scaled; later ones are, if the peer agreed. */
	if (flags & TH_SYN)
		win = win > 65535 ? 65535 : win;
	else if (rx->peer_ws)
		win >>= WSCALE;
	put16(th + 14, win > 65535 ? 65535 : win);
	if (optlen) {
		th[20] = 2;		/* MSS */
		th[21] = 4;
		put16(th + 22, rx->mss);
		if (rx->peer_ws) {
			th[24] = 1;	/* NOP, window scale */
			th[25] = 3;
			th[26] = 3;
			th[27] = WSCALE;
		}
	}
	sge.addr = (uintptr_t)f;
	sge.length = 14 + 40 + optlen;
	sge.lkey = rx->tx_mr->lkey;
	if ((ret = ibv_post_send(rx->qp, &wr, &bad)))
		return ret;
	rx->tx_pi++;
	rx->st.acks_sent++;
	return 0;
}

/* A parsed segment of a received frame. */
struct seg {
	uint32_t src_ip;
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	const uint8_t *opts, *data;
	uint32_t optlen, len;
};

static bool parse(const uint8_t *f, uint32_t n, struct seg *s)
{
	uint32_t ihl, tot, doff;
	const uint8_t *ip = f + 14, *th;

	if (n < 54 || get16(f + 12) != 0x0800 || (ip[0] >> 4) != 4)
		return false;
	ihl = (ip[0] & 15) * 4;
	tot = get16(ip + 2);
	if (ihl < 20 || ip[9] != IPPROTO_TCP || tot > n - 14 || tot < ihl + 20 ||
	    (get16(ip + 6) & 0x3fff))	/* fragments */
		return false;
	th = ip + ihl;
	doff = (th[12] >> 4) * 4;
	if (doff < 20 || ihl + doff > tot)
		return false;
	memcpy(&s->src_ip, ip + 12, 4);
	s->sport = get16(th);
	s->dport = get16(th + 2);
	s->seq = get32(th + 4);
	s->ack = get32(th + 8);
	s->flags = th[13];
	s->opts = th + 20;
	s->optlen = doff - 20;
	s->data = th + doff;
	s->len = tot - ihl - doff;
	return true;
}

/* The SYN's MSS and window scale options. */
static void syn_options(struct rdo_tcprx *rx, const struct seg *s)
{
	uint32_t i = 0;

	rx->peer_ws = false;
	while (i < s->optlen && s->opts[i]) {
		if (s->opts[i] == 1) {
			i++;
			continue;
		}
		if (i + 1 >= s->optlen || s->opts[i + 1] < 2)
			break;
		if (s->opts[i] == 3 && s->opts[i + 1] == 3)
			rx->peer_ws = true;
		i += s->opts[i + 1];
	}
}

static int repost(struct rdo_tcprx *rx, uint32_t i)
{
	return post_rx(rx, i, false);
}

/*
 * One receive completion. Returns 0 (*keep: the buffer holds payload for
 * the caller, not to be posted again yet) or an errno.
 */
static int handle(struct rdo_tcprx *rx, const struct ibv_wc *wc, bool *keep)
{
	const uint8_t *f = rx_buf(rx, wc->wr_id);
	struct seg s;
	uint32_t skip;

	*keep = false;
	if (wc->status != IBV_WC_SUCCESS) {
		if (!rx->st.rx_errors++)
			rx->st.first_rx_error = wc->status;
		return 0;
	}
	if (!(wc->wc_flags & IBV_WC_IP_CSUM_OK) || !parse(f, wc->byte_len, &s) ||
	    s.dport != rx->port ||
	    (rx->state != ST_LISTEN && (s.src_ip != rx->peer_ip || s.sport != rx->peer_port))) {
		rx->st.dropped++;
		return 0;
	}
	if (s.flags & TH_RST) {
		if (rx->state == ST_LISTEN)
			return 0;
		rx->state = ST_CLOSED;
		return ECONNRESET;
	}
	switch (rx->state) {
	case ST_LISTEN:
		if ((s.flags & (TH_SYN | TH_ACK)) != TH_SYN)
			return 0;
		memcpy(rx->peer_mac, f + 6, 6);
		rx->peer_ip = s.src_ip;
		rx->peer_port = s.sport;
		rx->rcv_nxt = s.seq + 1;
		rx->snd_nxt = ISS;
		syn_options(rx, &s);
		rx->state = ST_SYN_RCVD;
		return send_seg(rx, TH_SYN, ISS);
	case ST_SYN_RCVD:
		if (s.flags & TH_SYN)		/* our SYN-ACK was lost */
			return send_seg(rx, TH_SYN, ISS);
		if (!(s.flags & TH_ACK) || s.ack != ISS + 1)
			return 0;
		rx->snd_nxt = ISS + 1;
		rx->state = ST_ESTABLISHED;
		break;
	case ST_CLOSED:
		return 0;
	}
	if (s.len) {
		rx->st.completions++;
		rx->st.segments += rdodv_wc_lro_segs(wc);
		if (wc->wc_flags & RDODV_WC_LRO)
			rx->st.lro_completions++;
	}
	if (rx->fin)				/* a retransmitted FIN: ACK again */
		return (s.flags & TH_FIN) ? send_seg(rx, 0, rx->snd_nxt) : 0;
	if (seq_lt(rx->rcv_nxt, s.seq)) {
		if (s.len || (s.flags & TH_FIN)) {
			rx->st.ooo_segments++;
			return send_seg(rx, 0, rx->snd_nxt);
		}
		return 0;
	}
	skip = rx->rcv_nxt - s.seq;
	if (s.len && skip >= s.len && !(s.flags & TH_FIN)) {
		rx->st.dup_segments++;
		return send_seg(rx, 0, rx->snd_nxt);
	}
	if (skip < s.len) {
		rx->cur = wc->wr_id;
		rx->cur_data = s.data + skip;
		rx->cur_len = s.len - skip;
		rx->rcv_nxt += s.len - skip;
		*keep = true;
	}
	if ((s.flags & TH_FIN) && rx->rcv_nxt == s.seq + s.len) {
		rx->rcv_nxt++;
		rx->fin = true;
	}
	return s.len || (s.flags & TH_FIN) ? send_seg(rx, 0, rx->snd_nxt) : 0;
}

/* Polls one receive completion and handles it; EAGAIN if there was none. */
static int step(struct rdo_tcprx *rx)
{
	struct ibv_wc wc;
	bool keep;
	int n, ret;

	n = ibv_poll_cq(rx->rcq, 1, &wc);
	if (n < 0)
		return EIO;
	if (!n)
		return EAGAIN;
	ret = handle(rx, &wc, &keep);
	if (!keep && wc.wr_id < rx->nbuf) {
		int r = repost(rx, wc.wr_id);

		if (!ret)
			ret = r;
	}
	return ret;
}

/* Runs the receive path until cond holds, an error, or timeout_ms of nothing. */
static int run_until(struct rdo_tcprx *rx, bool (*cond)(struct rdo_tcprx *), int timeout_ms)
{
	uint64_t last = now_ms();
	int ret;

	while (!cond(rx)) {
		ret = step(rx);
		if (ret == EAGAIN) {
			if (timeout_ms >= 0 && now_ms() - last > (uint64_t)timeout_ms)
				return ETIMEDOUT;
			continue;
		}
		if (ret)
			return ret;
		last = now_ms();
	}
	return 0;
}

static bool established(struct rdo_tcprx *rx)
{
	return rx->state == ST_ESTABLISHED;
}

int rdo_tcprx_accept(struct rdo_tcprx *rx, int timeout_ms)
{
	return run_until(rx, established, timeout_ms);
}

static bool readable(struct rdo_tcprx *rx)
{
	return rx->cur >= 0 || rx->fin || rx->state == ST_CLOSED;
}

/* Our FIN after the peer's, until it is acknowledged (a few tries). */
static void close_ours(struct rdo_tcprx *rx)
{
	struct ibv_wc wc;
	struct seg s;
	uint64_t t;
	int tries, n;

	rx->state = ST_CLOSED;
	for (tries = 0; tries < FIN_TRIES; tries++) {
		if (send_seg(rx, TH_FIN, rx->snd_nxt))
			return;
		for (t = now_ms(); now_ms() - t < 200;) {
			n = ibv_poll_cq(rx->rcq, 1, &wc);
			if (n <= 0)
				continue;
			if (wc.status == IBV_WC_SUCCESS &&
			    parse(rx_buf(rx, wc.wr_id), wc.byte_len, &s) &&
			    s.src_ip == rx->peer_ip && s.sport == rx->peer_port &&
			    (s.flags & TH_ACK) && s.ack == rx->snd_nxt + 1) {
				rx->snd_nxt++;
				repost(rx, wc.wr_id);
				return;
			}
			repost(rx, wc.wr_id);
		}
	}
}

ssize_t rdo_tcprx_recv(struct rdo_tcprx *rx, void *buf, size_t len, int timeout_ms)
{
	size_t n;
	int ret;

	if (rx->state != ST_ESTABLISHED && rx->state != ST_CLOSED) {
		errno = ENOTCONN;
		return -1;
	}
	ret = run_until(rx, readable, timeout_ms);
	if (ret) {
		errno = ret;
		return -1;
	}
	if (rx->cur < 0) {
		if (rx->fin && rx->state == ST_ESTABLISHED)
			close_ours(rx);
		return 0;
	}
	n = len < rx->cur_len ? len : rx->cur_len;
	memcpy(buf, rx->cur_data, n);
	rx->cur_data += n;
	rx->cur_len -= n;
	rx->st.bytes += n;
	if (!rx->cur_len) {
		ret = repost(rx, rx->cur);
		rx->cur = -1;
		if (ret) {
			errno = ret;
			return -1;
		}
	}
	return n;
}

void rdo_tcprx_get_stats(const struct rdo_tcprx *rx, struct rdo_tcprx_stats *stats)
{
	*stats = rx->st;
}

struct ibv_qp *rdo_tcprx_qp(struct rdo_tcprx *rx)
{
	return rx->qp;
}

void rdo_tcprx_peer(const struct rdo_tcprx *rx, uint32_t *ip, uint16_t *port)
{
	*ip = rx->peer_ip;
	*port = rx->peer_port;
}

void rdo_tcprx_close(struct rdo_tcprx *rx)
{
	if (rx->flow)
		ibv_destroy_flow(rx->flow);
	if (rx->qp)
		ibv_destroy_qp(rx->qp);
	if (rx->rx_mr)
		ibv_dereg_mr(rx->rx_mr);
	if (rx->tx_mr)
		ibv_dereg_mr(rx->tx_mr);
	if (rx->scq)
		ibv_destroy_cq(rx->scq);
	if (rx->rcq)
		ibv_destroy_cq(rx->rcq);
	if (rx->pd)
		ibv_dealloc_pd(rx->pd);
	if (rx->ctx)
		ibv_close_device(rx->ctx);
	free(rx->rx_area);
	free(rx->tx_area);
	free(rx);
}
