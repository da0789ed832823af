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
 * Prints key=value facts (tests/guest/eth.sh reads them).
 */
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

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 5 && !strcmp(argv[1], "send"))
		return do_send(argv[2], atoi(argv[3]), strtoull(argv[4], NULL, 0));
	if ((argc == 5 || argc == 6) && !strcmp(argv[1], "recv"))
		return do_recv(argv[2], atoi(argv[3]), strtoull(argv[4], NULL, 0),
			       argc == 5 || strcmp(argv[5], "nolro"));
	fprintf(stderr, "usage: %s send IP PORT BYTES | recv IFNAME PORT BYTES [nolro]\n",
		argv[0]);
	return 2;
}
