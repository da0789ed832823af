/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * rdo_tcprx: receive one TCP stream in user space through a raw packet QP
 * of the rdma-offload adapter (issue 18, D14). The library owns the
 * connection's receive side: a flow-steering rule (ibv_create_flow) sends
 * every frame to the listening port to the QP's receive queue, where the
 * device's LRO coalesces in-order segments; the library answers the
 * handshake, ACKs and FIN itself through the QP's send queue and hands the
 * caller the payload in order. The kernel's TCP stack never sees the flow.
 * docs/guest-driver.md, "rdo_tcprx", says what it does and does not do.
 *
 * Usage: rdo_tcprx_listen(), rdo_tcprx_accept() for the first SYN, then
 * rdo_tcprx_recv() until it returns 0 (the peer's FIN), rdo_tcprx_close().
 * Needs CAP_NET_RAW (raw packet QPs) and the adapter's net_device.
 */
#ifndef RDO_TCPRX_H
#define RDO_TCPRX_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <infiniband/verbs.h>

struct rdo_tcprx_attr {
	const char *ifname;	/* the adapter's net_device: its MAC, IPv4 address, port */
	uint16_t port;		/* TCP port to listen on (host order) */
	bool lro;		/* have the device coalesce segments */
	uint32_t buffers;	/* receive buffers (0: 256), a power of 2 */
	uint32_t buf_size;	/* bytes each (0: 16384), 64..65536 */
	/*
	 * Tests: the first n receive buffers carry a wrong lkey. The device
	 * completes each with an error (counted in rx_errors) when a frame
	 * comes, and the frame takes the next buffer.
	 */
	uint32_t bad_lkey_buffers;
};

struct rdo_tcprx_stats {
	uint64_t bytes;			/* in-order payload delivered */
	uint64_t completions;		/* receive completions with payload of the flow */
	uint64_t segments;		/* wire segments those held (LRO's count) */
	uint64_t lro_completions;	/* of them aggregates of 2 or more */
	uint64_t dup_segments;		/* payload already delivered (retransmissions) */
	uint64_t ooo_segments;		/* beyond the next byte: dropped, dup ACK sent */
	uint64_t acks_sent;		/* segments sent: SYN-ACK, ACKs, FIN */
	uint64_t dropped;		/* frames not of the flow, bad checksum, malformed */
	uint64_t rx_errors;		/* receive completions with an error */
	int first_rx_error;		/* enum ibv_wc_status of the first, or 0 */
};

struct rdo_tcprx;

/* NULL with errno on failure. */
struct rdo_tcprx *rdo_tcprx_listen(const struct rdo_tcprx_attr *attr);
/* Waits for a SYN and completes the handshake: 0, ETIMEDOUT or an errno. */
int rdo_tcprx_accept(struct rdo_tcprx *rx, int timeout_ms);
/*
 * Up to len bytes of payload in order: the count, 0 once the peer's FIN
 * was reached (and answered), -1 with errno (ETIMEDOUT when nothing came
 * for timeout_ms, ECONNRESET, EIO).
 */
ssize_t rdo_tcprx_recv(struct rdo_tcprx *rx, void *buf, size_t len, int timeout_ms);
void rdo_tcprx_get_stats(const struct rdo_tcprx *rx, struct rdo_tcprx_stats *stats);
/* The raw packet QP (for checks of its own: it stays the library's). */
struct ibv_qp *rdo_tcprx_qp(struct rdo_tcprx *rx);
/* The peer's address once accepted (network order). */
void rdo_tcprx_peer(const struct rdo_tcprx *rx, uint32_t *ip, uint16_t *port);
void rdo_tcprx_close(struct rdo_tcprx *rx);

#endif /* RDO_TCPRX_H */
