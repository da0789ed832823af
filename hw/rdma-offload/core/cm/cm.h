/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: the offloaded connection manager (mission D20). The
 * device answers IB CM MADs (class 0x07 on the GSI, RoCEv2 UD to QP 1) for
 * the service IDs the driver listens on: REQ -> a QP from the listener's
 * pool to RTR and RTS, REP; RTU (or the first packet) -> established;
 * DREQ -> DREP, QP to ERR. Every connection made or ended is an entry in
 * the listener's notification table; one EQ event covers a batch.
 *
 *   cmd.c    the control commands (listen, pool, query), a QP destroyed
 *   conn.c   MADs in: which are the device's; the passive side; timers
 *   active.c the active side: CM_CONNECT's REQ, the REP, RTU; DREQ out
 *   session.c a connection's QP transitions, established, ended
 *   table.c  notification entries and their events
 *   mad.c    MAD layouts: fields in and out, a MAD sent on the GSI
 */
#ifndef RDO_CM_H
#define RDO_CM_H

#include "xport/transport.h"
#include "notify/notify.h"

/* MAD common header and the CM class (IB spec 13.4.2, 12.6). */
#define RDO_MAD_LEN             256
#define RDO_MAD_HDR_LEN         24
#define RDO_MAD_BASE_VERSION    1
#define RDO_MAD_CLASS_CM        0x07
#define RDO_MAD_CM_VERSION      2
#define RDO_MAD_METHOD_SEND     0x03

enum rdo_cm_attr {
    RDO_CM_ATTR_REQ  = 0x0010,
    RDO_CM_ATTR_MRA  = 0x0011,
    RDO_CM_ATTR_REJ  = 0x0012,
    RDO_CM_ATTR_REP  = 0x0013,
    RDO_CM_ATTR_RTU  = 0x0014,
    RDO_CM_ATTR_DREQ = 0x0015,
    RDO_CM_ATTR_DREP = 0x0016,
};

/* Offsets in a CM message, counted from the end of the MAD header. */
#define RDO_CM_REQ_PRIVATE      140     /* 92 bytes */
#define RDO_CM_REQ_PRIVATE_LEN  92
#define RDO_CM_REP_PRIVATE      36
#define RDO_CM_RDMA_HDR_LEN     36      /* the RDMA CM's header in the REQ's */

/* A MAD's common header, decoded. */
typedef struct RdoMadHdr {
    uint8_t base_version, mgmt_class, class_version, method;
    uint64_t tid;
    uint16_t attr_id;
} RdoMadHdr;

/* The fields of a REQ the device uses. */
typedef struct RdoCmReq {
    uint32_t local_comm_id;
    uint64_t service_id;
    uint32_t local_qpn;
    uint8_t responder_resources, initiator_depth;
    uint8_t remote_cm_timeout, transport, local_cm_timeout;
    uint32_t starting_psn;
    uint8_t retry_count, path_mtu, rnr_retry, max_cm_retries;
    uint8_t traffic_class, hop_limit, local_ack_timeout;
    const uint8_t *private_data;        /* RDO_CM_REQ_PRIVATE_LEN bytes */
} RdoCmReq;

typedef enum RdoCmState {
    RDO_CM_IDLE,                /* in the pool */
    RDO_CM_REQ_SENT,            /* active: waiting for the REP */
    RDO_CM_REP_SENT,            /* passive: waiting for the RTU */
    RDO_CM_ESTABLISHED,
    RDO_CM_DREQ_SENT,           /* waiting for the DREP (QP in ERR) */
    RDO_CM__STATES
} RdoCmState;

/* One connection of a pool QP (its QP number names it). */
typedef struct RdoCmConn {
    RdoCmState state;
    uint8_t listener;
    uint32_t qpn;
    uint32_t local_id, remote_id;       /* communication IDs */
    uint64_t tid;                       /* the REQ's transaction */
    uint8_t peer_gid[16], peer_mac[6], sgid_index;
    uint32_t peer_qpn;
    uint32_t sq_psn, rq_psn;
    uint8_t path_mtu, resp_res, init_depth;
    uint16_t peer_port;
    bool rdma_cm;
    bool active;                        /* the device sent the REQ */
    uint8_t private_data[RDO_CM_PRIVATE_LEN];
    uint8_t max_retries, retries_left;
    uint8_t timeout;                    /* QP's local ACK timeout (active) */
    uint8_t retry_cnt;                  /* the QP's retry count */
    uint64_t timeout_ns;                /* between sends of `mad` */
    uint64_t due_ns;                    /* REQ/REP/DREQ_SENT: again, or the end */
    uint8_t mad[RDO_MAD_LEN];           /* the REQ, REP or DREQ, sent again */
} RdoCmConn;

typedef struct RdoCmListener {
    bool valid;
    struct rdo_cmd_cm_listen p;         /* as the driver gave it, checked */
    GQueue pool;                        /* QP numbers waiting (as pointers + 1) */
    uint32_t pi;                        /* entries written */
    uint32_t ci;                        /* entries consumed, as last read */
    uint32_t signalled;                 /* pi at the last event */
    uint32_t reserved;                  /* entries held for REPs sent */
    uint64_t first_wait_ns;             /* the oldest entry not signalled */
} RdoCmListener;

typedef struct RdoCm {
    RdoCmListener l[RDO_CM_LISTENERS];
    RdoCmConn **conn;                   /* per QP number: its connection */
    uint16_t *gen;                      /* per QP number: connections so far */
    GQueue live;                        /* RdoCmConn * not in a pool */
    uint32_t listeners;                 /* valid ones */
    uint32_t psn_seed;                  /* starting PSNs, not predictable */
    uint32_t tid_seq;                   /* transactions the device starts */
    uint16_t ip_id;
    struct rdo_cm_counters cnt;
} RdoCm;

/* Life cycle (cmd.c). */
void rdo_cm_init(RdoCore *core);
void rdo_cm_free(RdoCore *core);
/* The control commands RDO_CMD_CM_*; returns a rdo_cqp_status. */
int rdo_cmd_cm(RdoCore *core, const struct rdo_cqp_cmd *cmd);
/* QP `qpn` is destroyed: out of any pool, its connection forgotten. */
void rdo_cm_forget_qp(RdoCore *core, uint32_t qpn);

/* The passive side (conn.c). A UD packet to QP 1 with the GSI Q_Key:
 * true if the CM took it (QP 1 does not see it). */
bool rdo_cm_rx(RdoCore *core, const RdoWireParsed *p);
/* A packet arrived on QP `qpn`: a connection waiting for its RTU is
 * established by it (IB spec 12.9.8.3.1). */
void rdo_cm_data(RdoCore *core, uint32_t qpn);
static inline bool rdo_cm_waits_for(const RdoCore *core, uint32_t qpn)
{
    const RdoCm *cm = core->st->cm;

    return cm && cm->conn[qpn] && cm->conn[qpn]->state == RDO_CM_REP_SENT;
}
/* Timers: REQs, REPs and DREQs again, connections given up, events
 * delayed. */
void rdo_cm_run(RdoCore *core);
/* Connections or listeners to retry or signal? (rdo_cm_run's first test.) */
static inline bool rdo_cm_pending(const RdoCore *core)
{
    return core->st->cm->listeners || core->st->cm->live.head;
}

/* The active side (active.c): CM_CONNECT and CM_DISCONNECT (a command
 * status); a REP for connection `c` (REQ_SENT, or established by us: the
 * RTU again); a connection whose REQ or DREQ went unanswered. */
int rdo_cm_connect(RdoCore *core, const struct rdo_cqp_cmd *cmd);
int rdo_cm_disconnect(RdoCore *core, const struct rdo_cqp_cmd *cmd);
void rdo_cm_rx_rep(RdoCore *core, RdoCmConn *c, const uint8_t *mad,
                   const uint8_t peer_mac[6]);
void rdo_cm_active_give_up(RdoCore *core, RdoCmConn *c);

/* A connection (session.c). */
uint64_t rdo_cm_timeout_ns(uint8_t code);
uint32_t rdo_cm_rand24(RdoCm *cm);
bool rdo_cm_gid_zero(const uint8_t gid[16]);
/* Our communication ID for a connection on QP `qpn`. */
uint32_t rdo_cm_new_id(RdoCm *cm, uint32_t qpn);
/* Our CA GUID (the port's MAC as an EUI-64), big-endian at `p`. */
void rdo_cm_put_guid(RdoCore *core, uint8_t *p);
/* The entry held for a connection waiting for its REP or RTU is free. */
void rdo_cm_unwait(RdoCm *cm, RdoCmConn *c);
void rdo_cm_establish(RdoCore *core, RdoCmConn *c, bool by_data);
/* MODIFY_QP of `qpn` to `state` with the attributes of `m` in `mask`. */
int rdo_cm_modify(RdoCore *core, uint32_t qpn, uint8_t state, uint32_t mask,
                  struct rdo_cmd_modify_qp *m);
/* The QP of `c` to RTR and RTS: the peer, PSNs, MTU, READ depths and
 * timers of `c`; false if the QP cannot go. */
bool rdo_cm_qp_connect(RdoCore *core, RdoCmConn *c, uint8_t traffic_class,
                       uint8_t rnr_retry);
/* Sends `c`'s MAD and arms its timer. */
void rdo_cm_send_armed(RdoCore *core, RdoCmConn *c);
/* Ends a connection: the QP to ERR (then back to the pool with RECYCLE),
 * an entry of `type`. */
void rdo_cm_end(RdoCore *core, RdoCmConn *c, uint8_t type, uint16_t reason);

/* Notification (table.c): one entry for connection `c`; false if the
 * table has no room (or is unreachable). */
bool rdo_cm_table_room(RdoCore *core, RdoCmListener *l, uint32_t held);
bool rdo_cm_entry(RdoCore *core, RdoCmConn *c, uint8_t type, uint16_t reason,
                  bool recycled);
/* Posts the listener's event if its batch is full or its delay passed;
 * the earliest time one is due after now (0: none). */
uint64_t rdo_cm_notify_check(RdoCore *core, RdoCmListener *l, bool flush);
uint64_t rdo_cm_now_ns(RdoCore *core);

/* MADs (mad.c). */
bool rdo_mad_hdr_get(const uint8_t *mad, uint32_t len, RdoMadHdr *h);
void rdo_mad_hdr_put(uint8_t *mad, uint16_t attr_id, uint64_t tid);
void rdo_cm_req_get(const uint8_t *mad, RdoCmReq *r);
/* The message's data (after the header). */
static inline uint8_t *rdo_cm_data_of(uint8_t *mad)
{
    return mad + RDO_MAD_HDR_LEN;
}
/* A MAD to the peer's GSI: from our GID `sgid_index` to `dgid`/`dmac`. */
void rdo_cm_send(RdoCore *core, const uint8_t *mad, uint8_t sgid_index,
                 const uint8_t dgid[16], const uint8_t dmac[6]);
/* A REJ of the message `msg` (0 REQ, 1 REP) with `reason`. */
void rdo_cm_send_rej(RdoCore *core, uint64_t tid, uint32_t local_id,
                     uint32_t remote_id, uint8_t msg, uint16_t reason,
                     uint8_t sgid_index, const uint8_t dgid[16],
                     const uint8_t dmac[6]);

#endif /* RDO_CM_H */
