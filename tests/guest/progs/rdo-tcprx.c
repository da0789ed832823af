// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The example of rdo_tcprx (guest-driver/tcprx/): a TCP stream received in
 * user space through a raw packet QP, checked byte by byte.
 *
 *   rdo-tcprx send IP PORT BYTES
 *     an ordinary TCP socket: connect, write BYTES of the stream pattern,
 *     close (the peer guest's side).
 *   rdo-tcprx recv IFNAME PORT BYTES [nolro]
 *     rdo_tcprx_listen on IFNAME's adapter (one buffer with a wrong lkey
 *     first, to see its error completion), two flows the device or driver
 *     must refuse on the library's QP, "ready=1", then accept, read to the
 *     FIN and check every byte.
 *
 *   rdo-tcprx tso|tso-wr IBDEV SRC_MAC SRC_IP DST_MAC DST_IP BYTES MSS
 *     the provider's send side on a raw packet QP of its own: one
 *     IBV_WR_TSO of BYTES (a TCP segment to a closed port of DST), one
 *     IBV_SEND_INLINE frame, one SEND with a wrong lkey; their completions.
 *     tso posts them with ibv_post_send, tso-wr with the ibv_wr_* API on a
 *     QP made by ibv_create_qp_ex with send_ops_flags and max_tso_header
 *     (64), where a longer header and a WR without data must be refused.
 *
 *   rdo-tcprx local IBDEV
 *     two raw packet QPs of port 1 in one process, as rdma-core's
 *     test_flow traffic makes them: the server's flow is test_flow's IPv4
 *     spec, its receive WRs have three SGEs (the device's scatter WQEs);
 *     the client sends UDP frames to a multicast MAC, which the device
 *     loops back to the server's rule (raw_looped_frames counts them); a
 *     third QP with the same flow gets a copy of the first frame.
 *     Then the server goes to ERR with a filled receive and two empty
 *     ones: the filled one completes first, then IBV_WC_WR_FLUSH_ERR for
 *     the others in order, and for a receive and a send posted in ERR;
 *     RESET..RTS and it receives again.
 *
 *   rdo-tcprx race IBDEV ROUNDS
 *     a raw packet QP whose second thread posts sends (to a MAC nobody
 *     has) without pause while the first moves the QP to ERR, ROUNDS
 *     times (RESET..RTS in between): every send completes once, good or
 *     flushed. tests/guest/eth.sh checks that the device saw no doorbell
 *     of a queue the move had already destroyed (cnt.db_errors).
 *
 * Prints key=value facts (tests/guest/eth.sh reads them).
 */
#include <net/ethernet.h>
#include <netinet/ether.h>
#include <pthread.h>
#include <stdatomic.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "rdo-progs.h"
#include "rdo_tcprx.h"

#define CHUNK	(64 * 1024)
#define RECV_MS	30000	/* TCG guests are slow; a stalled stream is a failure */

/* Byte i of the stream: a shift by any count of bytes changes it. */
static uint8_t stream_byte(uint64_t i)
{
	return (uint8_t)(((uint32_t)i * 2654435761u) >> 24) ^ (uint8_t)(i >> 32);
}

static int do_send(const char *ip, int port, uint64_t bytes)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	static uint8_t buf[CHUNK];
	uint64_t off = 0;
	ssize_t n;
	size_t i, len;
	int s;

	if (inet_pton(AF_INET, ip, &sa.sin_addr) != 1)
		die("bad address %s", ip);
	s = socket(AF_INET, SOCK_STREAM, 0);
	if (s < 0 || connect(s, (struct sockaddr *)&sa, sizeof(sa)))
		die("connect: %s", strerror(errno));
	while (off < bytes) {
		len = bytes - off < CHUNK ? bytes - off : CHUNK;
		for (i = 0; i < len; i++)
			buf[i] = stream_byte(off + i);
		n = write(s, buf, len);
		if (n <= 0)
			die("write: %s", strerror(errno));
		off += n;
	}
	if (close(s))
		die("close: %s", strerror(errno));
	printf("send.bytes=%llu\n", (unsigned long long)off);
	return 0;
}

static const char *errname(int e)
{
	static char s[16];

	if (e == EINVAL)
		return "EINVAL";
	if (e == EOPNOTSUPP)
		return "EOPNOTSUPP";
	snprintf(s, sizeof(s), "%d", e);
	return s;
}

/* ibv_create_flow on the library's QP, expected to fail: the errno. */
static int refused_flow(struct ibv_qp *qp, uint16_t udp_port, uint32_t ip_mask)
{
	struct {
		struct ibv_flow_attr attr;
		struct ibv_flow_spec_ipv4 ip;
		struct ibv_flow_spec_tcp_udp udp;
	} __attribute__((packed, aligned(8))) fa = {
		.attr = { .type = IBV_FLOW_ATTR_NORMAL, .size = sizeof(fa),
			  .num_of_specs = 2, .port = 1 },
		.ip = { .type = IBV_FLOW_SPEC_IPV4, .size = sizeof(fa.ip) },
		.udp = { .type = IBV_FLOW_SPEC_UDP, .size = sizeof(fa.udp) },
	};
	struct ibv_qp_attr qa;
	struct ibv_qp_init_attr qi;
	struct ibv_flow *flow;

	if (!ibv_query_qp(qp, &qa, IBV_QP_PORT, &qi))
		fa.attr.port = qa.port_num;
	fa.ip.val.dst_ip = htonl(0x0a000002);
	fa.ip.mask.dst_ip = ip_mask;
	fa.udp.val.dst_port = htons(udp_port);
	fa.udp.mask.dst_port = 0xffff;
	flow = ibv_create_flow(qp, (struct ibv_flow_attr *)(void *)&fa);
	if (flow) {
		ibv_destroy_flow(flow);
		return 0;
	}
	return errno;
}

static int do_recv(const char *ifname, int port, uint64_t bytes, bool lro)
{
	struct rdo_tcprx_attr attr = { .ifname = ifname, .port = port, .lro = lro,
				       .bad_lkey_buffers = 1 };
	static uint8_t buf[CHUNK + 7];
	uint8_t *p = buf + 7;	/* the caller's buffer is unaligned too */
	struct rdo_tcprx_stats st;
	struct rdo_tcprx *rx;
	uint64_t got = 0, bad_at = UINT64_MAX, t0;
	ssize_t n;
	int ret;

	rx = rdo_tcprx_listen(&attr);
	if (!rx)
		die("rdo_tcprx_listen: %s", strerror(errno));
	printf("refuse.udp4791=%s\n", errname(refused_flow(rdo_tcprx_qp(rx), 4791, 0xffffffff)));
	printf("refuse.partial_mask=%s\n",
	       errname(refused_flow(rdo_tcprx_qp(rx), 7000, htonl(0xffffff00))));
	printf("ready=1\n");
	fflush(stdout);
	ret = rdo_tcprx_accept(rx, 120000);
	if (ret)
		die("accept: %s", strerror(ret));
	t0 = now_us();
	for (;;) {
		n = rdo_tcprx_recv(rx, p, CHUNK, RECV_MS);
		if (n < 0)
			die("recv after %llu bytes: %s", (unsigned long long)got, strerror(errno));
		if (!n)
			break;
		for (ssize_t i = 0; i < n && bad_at == UINT64_MAX; i++)
			if (p[i] != stream_byte(got + i))
				bad_at = got + i;
		got += n;
	}
	rdo_tcprx_get_stats(rx, &st);
	printf("bytes=%llu\n", (unsigned long long)got);
	printf("data_ok=%d\n", got == bytes && bad_at == UINT64_MAX);
	if (bad_at != UINT64_MAX)
		printf("first_bad=%llu\n", (unsigned long long)bad_at);
	printf("us=%llu\n", (unsigned long long)(now_us() - t0));
	printf("completions=%llu\nsegments=%llu\nlro_completions=%llu\n",
	       (unsigned long long)st.completions, (unsigned long long)st.segments,
	       (unsigned long long)st.lro_completions);
	/* Wire segments per receive completion, two decimals (x100 for tests). */
	printf("ratio=%.2f\nratio_x100=%llu\n",
	       st.completions ? (double)st.segments / st.completions : 0.0,
	       st.completions ? (unsigned long long)(st.segments * 100 / st.completions) : 0ULL);
	printf("dup=%llu\nooo=%llu\nacks=%llu\ndropped=%llu\n",
	       (unsigned long long)st.dup_segments, (unsigned long long)st.ooo_segments,
	       (unsigned long long)st.acks_sent, (unsigned long long)st.dropped);
	printf("rx_errors=%llu\nfirst_rx_error=%s\n", (unsigned long long)st.rx_errors,
	       st.rx_errors ? ibv_wc_status_str(st.first_rx_error) : "none");
	rdo_tcprx_close(rx);
	printf("closed=1\n");
	return 0;
}

/* Ethernet, IPv4 and TCP headers from src to dst (lengths: the device's). */
/* A raw packet QP of port 1 from RESET to RTS. */
static void raw_to_rts(struct ibv_qp *qp)
{
	struct ibv_qp_attr ma = { .qp_state = IBV_QPS_INIT, .port_num = 1 };

	if (ibv_modify_qp(qp, &ma, IBV_QP_STATE | IBV_QP_PORT))
		die("init: %s", strerror(errno));
	ma.qp_state = IBV_QPS_RTR;
	if (ibv_modify_qp(qp, &ma, IBV_QP_STATE))
		die("rtr");
	ma.qp_state = IBV_QPS_RTS;
	if (ibv_modify_qp(qp, &ma, IBV_QP_STATE))
		die("rts");
}

static void tcp_template(uint8_t *h, const uint8_t *smac, const uint8_t *dmac,
			 uint32_t sip, uint32_t dip)
{
	memset(h, 0, 54);
	memcpy(h, dmac, 6);
	memcpy(h + 6, smac, 6);
	h[12] = 0x08;
	h[14] = 0x45;
	h[22] = 64;
	h[23] = IPPROTO_TCP;
	memcpy(h + 26, &sip, 4);
	memcpy(h + 30, &dip, 4);
	h[34] = 5009 >> 8, h[35] = 5009 & 0xff;	/* ports 5009 -> 5010 */
	h[36] = 5010 >> 8, h[37] = 5010 & 0xff;
	h[41] = 1;				/* seq 1 */
	h[46] = 5 << 4;
	h[47] = 0x18;				/* ACK PSH */
	h[48] = 0xff, h[49] = 0xff;
}

static void tso_wc(struct ibv_cq *cq, const char *key)
{
	struct ibv_wc wc;
	int st = poll_one(cq, &wc);

	printf("%s.status=%s\n", key, st < 0 ? "timeout" : ibv_wc_status_str(wc.status));
	printf("%s.wr_id=%llu\n", key, st < 0 ? 0ULL : (unsigned long long)wc.wr_id);
	printf("%s.opcode=%s\n", key, st < 0 ? "none" : wc.opcode == IBV_WC_TSO ? "TSO" :
	       wc.opcode == IBV_WC_SEND ? "SEND" : "other");
	printf("%s.byte_len=%u\n", key, st < 0 ? 0 : wc.byte_len);
}

/*
 * Posts wr (one SEND or TSO, one SGE) with ibv_post_send or, with wrapi,
 * through the ibv_wr_* API: 0 or an errno.
 */
static int post_one(struct ibv_qp *qp, bool wrapi, struct ibv_send_wr *wr)
{
	struct ibv_qp_ex *qpx = ibv_qp_to_qp_ex(qp);
	struct ibv_send_wr *bad;

	if (!wrapi)
		return ibv_post_send(qp, wr, &bad) ? errno : 0;
	ibv_wr_start(qpx);
	qpx->wr_id = wr->wr_id;
	qpx->wr_flags = wr->send_flags & ~IBV_SEND_INLINE;
	if (wr->opcode == IBV_WR_TSO)
		ibv_wr_send_tso(qpx, wr->tso.hdr, wr->tso.hdr_sz, wr->tso.mss);
	else
		ibv_wr_send(qpx);
	if (wr->send_flags & IBV_SEND_INLINE)
		ibv_wr_set_inline_data(qpx, (void *)(uintptr_t)wr->sg_list[0].addr,
				       wr->sg_list[0].length);
	else
		ibv_wr_set_sge(qpx, wr->sg_list[0].lkey, wr->sg_list[0].addr,
			       wr->sg_list[0].length);
	return ibv_wr_complete(qpx);
}

/* The WR API's refusals: a header over max_tso_header, a WR without data. */
static void wr_refusals(struct ibv_qp *qp, const uint8_t *hdr, struct ibv_sge *sge)
{
	struct ibv_qp_ex *qpx = ibv_qp_to_qp_ex(qp);
	uint8_t big[65];

	memcpy(big, hdr, 54);
	memset(big + 54, 1, sizeof(big) - 54);
	ibv_wr_start(qpx);
	qpx->wr_flags = IBV_SEND_SIGNALED;
	ibv_wr_send_tso(qpx, big, sizeof(big), 1448);
	ibv_wr_set_sge(qpx, sge->lkey, sge->addr, sge->length);
	printf("wr.big_hdr_rc=%d\n", ibv_wr_complete(qpx));
	ibv_wr_start(qpx);
	ibv_wr_send(qpx);
	printf("wr.no_data_rc=%d\n", ibv_wr_complete(qpx));
}

static int do_tso(char **a, bool wrapi)
{
	struct ether_addr smac, dmac;
	uint32_t sip, dip, bytes = strtoul(a[5], NULL, 0), mss = strtoul(a[6], NULL, 0);
	struct ibv_context *ctx = open_by_name(a[0]);
	struct ibv_pd *pd = ibv_alloc_pd(ctx);
	struct ibv_cq *cq = ibv_create_cq(ctx, 8, NULL, NULL, 0);
	struct ibv_qp_init_attr_ex qa = {
		.send_cq = cq, .recv_cq = cq, .qp_type = IBV_QPT_RAW_PACKET,
		.cap = { .max_send_wr = 4, .max_recv_wr = 2, .max_send_sge = 1,
			 .max_recv_sge = 1, .max_inline_data = 128 },
		.comp_mask = IBV_QP_INIT_ATTR_PD, .pd = pd,
	};
	struct ibv_send_wr wr = { .num_sge = 1, .send_flags = IBV_SEND_SIGNALED };
	struct ibv_sge sge;
	struct ibv_qp *qp;
	struct ibv_mr *mr;
	uint8_t hdr[54], frame[60], *payload;
	void *base;

	if (!ether_aton_r(a[1], &smac) || !ether_aton_r(a[3], &dmac) ||
	    inet_pton(AF_INET, a[2], &sip) != 1 || inet_pton(AF_INET, a[4], &dip) != 1)
		die("bad address");
	if (!pd || !cq)
		die("pd/cq: %s", strerror(errno));
	if (wrapi) {
		qa.comp_mask |= IBV_QP_INIT_ATTR_SEND_OPS_FLAGS | IBV_QP_INIT_ATTR_MAX_TSO_HEADER;
		qa.send_ops_flags = IBV_QP_EX_WITH_SEND | IBV_QP_EX_WITH_TSO;
		qa.max_tso_header = 64;
	}
	qp = ibv_create_qp_ex(ctx, &qa);
	if (!qp)
		die("raw qp: %s", strerror(errno));
	raw_to_rts(qp);
	payload = odd_buf(bytes, &base);
	fill(payload, bytes, 3);
	mr = ibv_reg_mr(pd, payload, bytes, 0);
	if (!mr)
		die("reg_mr: %s", strerror(errno));
	tcp_template(hdr, smac.ether_addr_octet, dmac.ether_addr_octet, sip, dip);

	/* TSO: the header from wr.tso (the provider's bounce slot), the payload by lkey. */
	sge = (struct ibv_sge){ (uintptr_t)payload, bytes, mr->lkey };
	wr.sg_list = &sge;
	if (wrapi)
		wr_refusals(qp, hdr, &sge);
	wr.wr_id = 11;
	wr.opcode = IBV_WR_TSO;
	wr.tso.hdr = hdr;
	wr.tso.hdr_sz = sizeof(hdr);
	wr.tso.mss = mss;
	if (post_one(qp, wrapi, &wr))
		die("post tso: %s", strerror(errno));
	tso_wc(cq, "tso");
	printf("tso.segments=%u\n", (bytes + mss - 1) / mss);

	/* An inline frame: 54 bytes of headers and 6 of payload, copied at post. */
	memcpy(frame, hdr, sizeof(hdr));
	frame[17] = sizeof(frame) - 14;		/* IPv4 total length */
	memset(frame + 54, 0xab, 6);
	sge = (struct ibv_sge){ (uintptr_t)frame, sizeof(frame), 0 };
	wr.wr_id = 12;
	wr.opcode = IBV_WR_SEND;
	wr.send_flags = IBV_SEND_SIGNALED | IBV_SEND_INLINE | IBV_SEND_IP_CSUM;
	if (post_one(qp, wrapi, &wr))
		die("post inline: %s", strerror(errno));
	memset(frame, 0, sizeof(frame));	/* the WR's copy is the provider's */
	tso_wc(cq, "inline");

	/* A SEND whose lkey names no MR: the device refuses the SGE. */
	sge = (struct ibv_sge){ (uintptr_t)payload, 60, mr->lkey ^ 0x5a5a00 };
	wr.wr_id = 13;
	wr.send_flags = IBV_SEND_SIGNALED;
	if (post_one(qp, wrapi, &wr))
		die("post bad lkey: %s", strerror(errno));
	tso_wc(cq, "bad_lkey");
	ibv_destroy_qp(qp);
	ibv_dereg_mr(mr);
	ibv_destroy_cq(cq);
	ibv_dealloc_pd(pd);
	ibv_close_device(ctx);
	free(base);
	return 0;
}

/* The device's raw_looped_frames of IBDEV's port 1 (hw_counters). */
static unsigned long looped_frames(const char *ibdev)
{
	char path[128];
	unsigned long v = 0;
	FILE *f;

	snprintf(path, sizeof(path),
		 "/sys/class/infiniband/%s/ports/1/hw_counters/raw_looped_frames", ibdev);
	f = fopen(path, "r");
	if (!f || fscanf(f, "%lu", &v) != 1)
		die("%s: %s", path, strerror(errno));
	fclose(f);
	return v;
}

/* test_flow's frame: a made-up source MAC to a multicast one, UDP
 * 1.1.1.1:1234 -> 2.2.2.2:5678, the payload a pattern of seed. */
#define LOCAL_FRAME	192
static void local_frame(uint8_t *f, unsigned int seed)
{
	static const uint8_t dmac[6] = { 0x01, 0x50, 0x56, 0x19, 0x20, 0xa7 };
	static const uint8_t smac[6] = { 0x24, 0x8a, 0x07, 0xa5, 0x28, 0xc8 };

	memset(f, 0, 42);
	memcpy(f, dmac, 6);
	memcpy(f + 6, smac, 6);
	f[12] = 0x08;
	f[14] = 0x45;
	f[16] = (LOCAL_FRAME - 14) >> 8, f[17] = (LOCAL_FRAME - 14) & 0xff;
	f[22] = 64;
	f[23] = IPPROTO_UDP;
	f[26] = f[27] = f[28] = f[29] = 1;
	f[30] = f[31] = f[32] = f[33] = 2;
	f[34] = 1234 >> 8, f[35] = 1234 & 0xff;
	f[36] = 5678 >> 8, f[37] = 5678 & 0xff;
	f[38] = (LOCAL_FRAME - 34) >> 8, f[39] = (LOCAL_FRAME - 34) & 0xff;
	fill(f + 42, LOCAL_FRAME - 42, seed);
}

static void raw_state(struct ibv_qp *qp, enum ibv_qp_state st)
{
	struct ibv_qp_attr ma = { .qp_state = st };

	if (ibv_modify_qp(qp, &ma, IBV_QP_STATE))
		die("to state %d: %s", st, strerror(errno));
}

/* The three SGEs of a scattered receive: 20 bytes, 37, the rest. */
static const uint32_t sg_off[3] = { 0x10, 0x100, 0x400 }, sg_len[3] = { 20, 37, 1000 };

static void post_recv_sg(struct ibv_qp *qp, struct ibv_mr *mr, uint64_t wr_id)
{
	struct ibv_sge sge[3];
	struct ibv_recv_wr wr = { .wr_id = wr_id, .sg_list = sge, .num_sge = 3 }, *bad;

	for (int i = 0; i < 3; i++)
		sge[i] = (struct ibv_sge){ (uintptr_t)mr->addr + sg_off[i], sg_len[i], mr->lkey };
	memset(mr->addr, 0, 0x800);
	if (ibv_post_recv(qp, &wr, &bad))
		die("post_recv sg: %s", strerror(errno));
}

/* The frame, piece by piece where the SGEs put it. */
static int sg_bytes_ok(const struct ibv_mr *mr, const uint8_t *f)
{
	const uint8_t *b = mr->addr;
	uint32_t done = 0;

	for (int i = 0; i < 3 && done < LOCAL_FRAME; i++) {
		uint32_t n = LOCAL_FRAME - done < sg_len[i] ? LOCAL_FRAME - done : sg_len[i];

		if (memcmp(b + sg_off[i], f + done, n))
			return 0;
		done += n;
	}
	return done == LOCAL_FRAME;
}

/* One frame from the client's QP; its send completion must be good. */
static void local_send(struct ibv_qp *qp, struct ibv_cq *cq, struct ibv_mr *mr,
		       const uint8_t *f)
{
	struct ibv_sge sge = { (uintptr_t)mr->addr, LOCAL_FRAME, mr->lkey };
	struct ibv_send_wr wr = { .wr_id = 1, .sg_list = &sge, .num_sge = 1,
				  .opcode = IBV_WR_SEND, .send_flags = IBV_SEND_SIGNALED }, *bad;
	struct ibv_wc wc;

	memcpy(mr->addr, f, LOCAL_FRAME);
	if (ibv_post_send(qp, &wr, &bad))
		die("post_send: %s", strerror(errno));
	if (poll_one(cq, &wc) != IBV_WC_SUCCESS)
		die("client send: %s", ibv_wc_status_str(wc.status));
}

/* Until the device has looped back `want` frames since `base`. */
static void wait_looped(const char *ibdev, unsigned long base, unsigned long want)
{
	uint64_t end = now_us() + WAIT_MS * 1000ull;

	while (looped_frames(ibdev) - base < want)
		if (now_us() > end)
			die("the device looped back %lu frames, not %lu",
			    looped_frames(ibdev) - base, want);
}

/* Prints key=wr_id:status,... of every completion cq has now. */
static void print_wcs(struct ibv_cq *cq, const char *key)
{
	struct ibv_wc wc[16];
	int n = ibv_poll_cq(cq, 16, wc);

	printf("%s=", key);
	for (int i = 0; i < n; i++)
		printf("%s%llu:%s", i ? "," : "", (unsigned long long)wc[i].wr_id,
		       wc[i].status == IBV_WC_SUCCESS ? "ok" :
		       wc[i].status == IBV_WC_WR_FLUSH_ERR ? "flush" : "other");
	printf("\n");
}

static int do_local(const char *ibdev)
{
	struct ibv_context *ctx = open_by_name(ibdev);
	struct ibv_pd *pd = ibv_alloc_pd(ctx);
	struct ibv_cq *ccq = ibv_create_cq(ctx, 16, NULL, NULL, 0);
	struct ibv_cq *scq = ibv_create_cq(ctx, 16, NULL, NULL, 0);
	struct ibv_qp_init_attr ca = {
		.send_cq = ccq, .recv_cq = ccq, .qp_type = IBV_QPT_RAW_PACKET,
		.cap = { .max_send_wr = 4, .max_recv_wr = 2, .max_send_sge = 1,
			 .max_recv_sge = 1 },
	};
	struct ibv_qp_init_attr sa = {
		.send_cq = scq, .recv_cq = scq, .qp_type = IBV_QPT_RAW_PACKET,
		.cap = { .max_send_wr = 4, .max_recv_wr = 8, .max_send_sge = 1,
			 .max_recv_sge = 3 },
	};
	struct {
		struct ibv_flow_attr attr;
		struct ibv_flow_spec_ipv4_ext ip;
	} __attribute__((packed, aligned(8))) fa = {
		.attr = { .type = IBV_FLOW_ATTR_NORMAL, .size = sizeof(fa),
			  .num_of_specs = 1, .port = 1 },
		.ip = { .type = IBV_FLOW_SPEC_IPV4_EXT, .size = sizeof(fa.ip) },
	};
	uint8_t f[LOCAL_FRAME];
	struct ibv_qp *cqp, *sqp, *dqp;
	struct ibv_mr *cmr, *smr, *dmr;
	struct ibv_flow *flow, *dflow;
	struct ibv_cq *dcq;
	void *dbase;
	unsigned long looped0;
	struct ibv_wc wc;
	void *cbase, *sbase;

	if (!pd || !ccq || !scq)
		die("pd/cq: %s", strerror(errno));
	cqp = ibv_create_qp(pd, &ca);
	sqp = ibv_create_qp(pd, &sa);
	if (!cqp || !sqp)
		die("raw qp: %s", strerror(errno));
	printf("server.max_recv_sge=%u\n", sa.cap.max_recv_sge);
	raw_to_rts(cqp);
	raw_to_rts(sqp);
	cmr = ibv_reg_mr(pd, odd_buf(4096, &cbase), 4096, IBV_ACCESS_LOCAL_WRITE);
	smr = ibv_reg_mr(pd, odd_buf(4096, &sbase), 4096, IBV_ACCESS_LOCAL_WRITE);
	if (!cmr || !smr)
		die("reg_mr: %s", strerror(errno));
	fa.ip.val.src_ip = htonl(0x01010101);
	fa.ip.mask.src_ip = 0xffffffff;
	fa.ip.val.dst_ip = htonl(0x02020202);
	fa.ip.mask.dst_ip = 0xffffffff;
	fa.ip.val.proto = IPPROTO_UDP;
	fa.ip.mask.proto = 0xff;
	flow = ibv_create_flow(sqp, (struct ibv_flow_attr *)(void *)&fa);
	if (!flow)
		die("flow: %s", strerror(errno));
	looped0 = looped_frames(ibdev);

	/* A third QP asks for the same flow: it gets a copy too. */
	dcq = ibv_create_cq(ctx, 4, NULL, NULL, 0);
	sa.send_cq = sa.recv_cq = dcq;
	sa.cap.max_recv_sge = 1;
	dqp = dcq ? ibv_create_qp(pd, &sa) : NULL;
	dmr = ibv_reg_mr(pd, odd_buf(4096, &dbase), 4096, IBV_ACCESS_LOCAL_WRITE);
	if (!dqp || !dmr)
		die("third raw qp: %s", strerror(errno));
	raw_to_rts(dqp);
	dflow = ibv_create_flow(dqp, (struct ibv_flow_attr *)(void *)&fa);
	if (!dflow)
		die("the same flow on a third qp: %s", strerror(errno));
	{
		struct ibv_sge sge = { (uintptr_t)dmr->addr, 4096, dmr->lkey };
		struct ibv_recv_wr wr = { .wr_id = 7, .sg_list = &sge, .num_sge = 1 }, *bad;

		if (ibv_post_recv(dqp, &wr, &bad))
			die("post_recv third: %s", strerror(errno));
	}

	/* Looped back into three SGEs. */
	post_recv_sg(sqp, smr, 10);
	local_frame(f, 1);
	local_send(cqp, ccq, cmr, f);
	printf("sg.status=%s\n", poll_one(scq, &wc) < 0 ? "timeout" :
	       ibv_wc_status_str(wc.status));
	printf("sg.byte_len=%u\n", wc.byte_len);
	printf("sg.bytes_ok=%d\n", sg_bytes_ok(smr, f));
	printf("dup.status=%s\n", poll_one(dcq, &wc) < 0 ? "timeout" :
	       ibv_wc_status_str(wc.status));
	printf("dup.byte_len=%u\n", wc.byte_len);
	printf("dup.bytes_ok=%d\n", !memcmp(dmr->addr, f, LOCAL_FRAME));
	ibv_destroy_flow(dflow);
	ibv_destroy_qp(dqp);
	ibv_dereg_mr(dmr);
	ibv_destroy_cq(dcq);
	free(dbase);

	/* ERR with one receive filled (the device has counted it) and two not. */
	post_recv_sg(sqp, smr, 100);
	post_recv_sg(sqp, smr, 101);
	post_recv_sg(sqp, smr, 102);
	local_frame(f, 2);
	local_send(cqp, ccq, cmr, f);
	wait_looped(ibdev, looped0, 2);
	raw_state(sqp, IBV_QPS_ERR);
	print_wcs(scq, "flush.wcs");
	post_recv_sg(sqp, smr, 103);
	print_wcs(scq, "flush.posted_recv");
	{
		struct ibv_sge sge = { (uintptr_t)smr->addr, 60, smr->lkey };
		struct ibv_send_wr wr = { .wr_id = 200, .sg_list = &sge, .num_sge = 1,
					  .opcode = IBV_WR_SEND }, *bad;

		if (ibv_post_send(sqp, &wr, &bad))
			die("post_send in ERR: %s", strerror(errno));
	}
	print_wcs(scq, "flush.posted_send");
	print_wcs(scq, "flush.after");

	/* Back to RTS: the flow is kept, the rings start over. */
	raw_state(sqp, IBV_QPS_RESET);
	raw_to_rts(sqp);
	post_recv_sg(sqp, smr, 300);
	local_frame(f, 3);
	local_send(cqp, ccq, cmr, f);
	printf("again.status=%s\n", poll_one(scq, &wc) < 0 ? "timeout" :
	       ibv_wc_status_str(wc.status));
	printf("again.wr_id=%llu\n", (unsigned long long)wc.wr_id);
	printf("again.bytes_ok=%d\n", sg_bytes_ok(smr, f));
	/* ib_core keeps hw_counters for their lifespan (10 ms): read anew. */
	wait_looped(ibdev, looped0, 3);
	printf("looped=%lu\n", looped_frames(ibdev) - looped0);
	print_wcs(ccq, "client.extra");
	ibv_destroy_flow(flow);
	ibv_destroy_qp(sqp);
	ibv_destroy_qp(cqp);
	ibv_dereg_mr(smr);
	ibv_dereg_mr(cmr);
	ibv_destroy_cq(scq);
	ibv_destroy_cq(ccq);
	ibv_dealloc_pd(pd);
	ibv_close_device(ctx);
	free(cbase);
	free(sbase);
	return 0;
}

/* The posting side of `race`: sends without pause until told to stop,
 * then until every send it posted this round has its completion. */
struct race {
	struct ibv_qp *qp;
	struct ibv_cq *cq;
	struct ibv_mr *mr;
	atomic_bool stop;
	unsigned long posted, done;		/* this round */
	unsigned long ok, flushed, other, refused;	/* all rounds */
};

#define RACE_DEPTH 8

static void *race_poster(void *arg)
{
	struct race *r = arg;
	struct ibv_sge sge = { (uintptr_t)r->mr->addr, LOCAL_FRAME, r->mr->lkey };
	struct ibv_send_wr wr = { .sg_list = &sge, .num_sge = 1, .opcode = IBV_WR_SEND,
				  .send_flags = IBV_SEND_SIGNALED }, *bad;
	uint64_t end = 0;
	struct ibv_wc wc[16];

	for (;;) {
		int n = ibv_poll_cq(r->cq, 16, wc);

		for (int i = 0; i < n; i++) {
			if (wc[i].status == IBV_WC_SUCCESS)
				r->ok++;
			else if (wc[i].status == IBV_WC_WR_FLUSH_ERR)
				r->flushed++;
			else
				r->other++;
			r->done++;
		}
		if (atomic_load(&r->stop)) {
			if (!end)
				end = now_us() + WAIT_MS * 1000ull;
			if (r->done == r->posted || now_us() > end)
				return NULL;
			continue;
		}
		if (r->posted - r->done >= RACE_DEPTH)
			continue;
		wr.wr_id = r->posted;
		if (ibv_post_send(r->qp, &wr, &bad))
			r->refused++;
		else
			r->posted++;
	}
}

static int do_race(const char *ibdev, int rounds)
{
	struct ibv_context *ctx = open_by_name(ibdev);
	struct ibv_pd *pd = ibv_alloc_pd(ctx);
	struct ibv_cq *cq = ibv_create_cq(ctx, 2 * RACE_DEPTH, NULL, NULL, 0);
	struct ibv_qp_init_attr qa = {
		.send_cq = cq, .recv_cq = cq, .qp_type = IBV_QPT_RAW_PACKET,
		.cap = { .max_send_wr = RACE_DEPTH, .max_recv_wr = 1, .max_send_sge = 1,
			 .max_recv_sge = 1 },
	};
	struct race r = { .cq = cq };
	unsigned long posted = 0, lost = 0;
	void *base;
	uint8_t *f;

	if (!pd || !cq)
		die("pd/cq: %s", strerror(errno));
	r.qp = ibv_create_qp(pd, &qa);
	f = odd_buf(4096, &base);
	r.mr = ibv_reg_mr(pd, f, 4096, IBV_ACCESS_LOCAL_WRITE);
	if (!r.qp || !r.mr)
		die("qp/mr: %s", strerror(errno));
	local_frame(f, 9);
	f[0] = 0x02, f[5] = 0x99;	/* a unicast MAC nobody has: to the wire */
	for (int i = 0; i < rounds; i++) {
		pthread_t t;

		raw_to_rts(r.qp);
		atomic_store(&r.stop, false);
		r.posted = r.done = 0;
		if (pthread_create(&t, NULL, race_poster, &r))
			die("pthread_create");
		/* Into ERR at a different moment of the poster's work each round. */
		usleep(200 + (i * 397) % 3000);
		raw_state(r.qp, IBV_QPS_ERR);
		usleep(500);
		atomic_store(&r.stop, true);
		pthread_join(t, NULL);
		posted += r.posted;
		lost += r.posted - r.done;
		raw_state(r.qp, IBV_QPS_RESET);
	}
	printf("race.rounds=%d\n", rounds);
	printf("race.posted=%lu\n", posted);
	printf("race.ok=%lu\n", r.ok);
	printf("race.flushed=%lu\n", r.flushed);
	printf("race.other=%lu\n", r.other);
	printf("race.refused=%lu\n", r.refused);
	printf("race.lost=%lu\n", lost);
	ibv_destroy_qp(r.qp);
	ibv_dereg_mr(r.mr);
	ibv_destroy_cq(cq);
	ibv_dealloc_pd(pd);
	ibv_close_device(ctx);
	free(base);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 5 && !strcmp(argv[1], "send"))
		return do_send(argv[2], atoi(argv[3]), strtoull(argv[4], NULL, 0));
	if ((argc == 5 || argc == 6) && !strcmp(argv[1], "recv"))
		return do_recv(argv[2], atoi(argv[3]), strtoull(argv[4], NULL, 0),
			       argc == 5 || strcmp(argv[5], "nolro"));
	if (argc == 9 && (!strcmp(argv[1], "tso") || !strcmp(argv[1], "tso-wr")))
		return do_tso(argv + 2, !strcmp(argv[1], "tso-wr"));
	if (argc == 3 && !strcmp(argv[1], "local"))
		return do_local(argv[2]);
	if (argc == 4 && !strcmp(argv[1], "race"))
		return do_race(argv[2], atoi(argv[3]));
	fprintf(stderr, "usage: %s send IP PORT BYTES | recv IFNAME PORT BYTES [nolro] |"
		" tso|tso-wr IBDEV SRC_MAC SRC_IP DST_MAC DST_IP BYTES MSS | local IBDEV |"
		" race IBDEV ROUNDS\n", argv[0]);
	return 2;
}
