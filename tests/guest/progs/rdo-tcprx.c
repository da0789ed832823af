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
 *   rdo-tcprx tso IBDEV SRC_MAC SRC_IP DST_MAC DST_IP BYTES MSS
 *     the provider's send side on a raw packet QP of its own: one
 *     IBV_WR_TSO of BYTES (a TCP segment to a closed port of DST), one
 *     IBV_SEND_INLINE frame, one SEND with a wrong lkey; their completions.
 *
 * Prints key=value facts (tests/guest/eth.sh reads them).
 */
#include <net/ethernet.h>
#include <netinet/ether.h>
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
	printf("%s.opcode=%s\n", key, st < 0 ? "none" : wc.opcode == IBV_WC_TSO ? "TSO" :
	       wc.opcode == IBV_WC_SEND ? "SEND" : "other");
	printf("%s.byte_len=%u\n", key, st < 0 ? 0 : wc.byte_len);
}

static int do_tso(char **a)
{
	struct ether_addr smac, dmac;
	uint32_t sip, dip, bytes = strtoul(a[5], NULL, 0), mss = strtoul(a[6], NULL, 0);
	struct ibv_context *ctx = open_by_name(a[0]);
	struct ibv_pd *pd = ibv_alloc_pd(ctx);
	struct ibv_cq *cq = ibv_create_cq(ctx, 8, NULL, NULL, 0);
	struct ibv_qp_init_attr qa = {
		.send_cq = cq, .recv_cq = cq, .qp_type = IBV_QPT_RAW_PACKET,
		.cap = { .max_send_wr = 4, .max_recv_wr = 2, .max_send_sge = 1,
			 .max_recv_sge = 1, .max_inline_data = 128 },
	};
	struct ibv_qp_attr ma = { .qp_state = IBV_QPS_INIT, .port_num = 1 };
	struct ibv_send_wr wr = { .num_sge = 1, .send_flags = IBV_SEND_SIGNALED }, *bad;
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
	qp = ibv_create_qp(pd, &qa);
	if (!qp)
		die("raw qp: %s", strerror(errno));
	if (ibv_modify_qp(qp, &ma, IBV_QP_STATE | IBV_QP_PORT))
		die("init");
	ma.qp_state = IBV_QPS_RTR;
	if (ibv_modify_qp(qp, &ma, IBV_QP_STATE))
		die("rtr");
	ma.qp_state = IBV_QPS_RTS;
	if (ibv_modify_qp(qp, &ma, IBV_QP_STATE))
		die("rts");
	payload = odd_buf(bytes, &base);
	fill(payload, bytes, 3);
	mr = ibv_reg_mr(pd, payload, bytes, 0);
	if (!mr)
		die("reg_mr: %s", strerror(errno));
	tcp_template(hdr, smac.ether_addr_octet, dmac.ether_addr_octet, sip, dip);

	/* TSO: the header from wr.tso (the provider's bounce slot), the payload by lkey. */
	sge = (struct ibv_sge){ (uintptr_t)payload, bytes, mr->lkey };
	wr.sg_list = &sge;
	wr.opcode = IBV_WR_TSO;
	wr.tso.hdr = hdr;
	wr.tso.hdr_sz = sizeof(hdr);
	wr.tso.mss = mss;
	if (ibv_post_send(qp, &wr, &bad))
		die("post tso: %s", strerror(errno));
	tso_wc(cq, "tso");
	printf("tso.segments=%u\n", (bytes + mss - 1) / mss);

	/* An inline frame: 54 bytes of headers and 6 of payload, copied at post. */
	memcpy(frame, hdr, sizeof(hdr));
	frame[17] = sizeof(frame) - 14;		/* IPv4 total length */
	memset(frame + 54, 0xab, 6);
	sge = (struct ibv_sge){ (uintptr_t)frame, sizeof(frame), 0 };
	wr.opcode = IBV_WR_SEND;
	wr.send_flags = IBV_SEND_SIGNALED | IBV_SEND_INLINE | IBV_SEND_IP_CSUM;
	if (ibv_post_send(qp, &wr, &bad))
		die("post inline: %s", strerror(errno));
	memset(frame, 0, sizeof(frame));	/* the WR's copy is the provider's */
	tso_wc(cq, "inline");

	/* A SEND whose lkey names no MR: the device refuses the SGE. */
	sge = (struct ibv_sge){ (uintptr_t)payload, 60, mr->lkey ^ 0x5a5a00 };
	wr.send_flags = IBV_SEND_SIGNALED;
	if (ibv_post_send(qp, &wr, &bad))
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

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 5 && !strcmp(argv[1], "send"))
		return do_send(argv[2], atoi(argv[3]), strtoull(argv[4], NULL, 0));
	if ((argc == 5 || argc == 6) && !strcmp(argv[1], "recv"))
		return do_recv(argv[2], atoi(argv[3]), strtoull(argv[4], NULL, 0),
			       argc == 5 || strcmp(argv[5], "nolro"));
	if (argc == 9 && !strcmp(argv[1], "tso"))
		return do_tso(argv + 2);
	fprintf(stderr, "usage: %s send IP PORT BYTES | recv IFNAME PORT BYTES [nolro] |"
		" tso IBDEV SRC_MAC SRC_IP DST_MAC DST_IP BYTES MSS\n", argv[0]);
	return 2;
}
