/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: the requester's memory-window work requests: BIND_MW
 * (both window types; ibv_bind_mw of a type-1 window is this work request
 * too) and LOCAL_INV, which may name an MR or a type-2 window. Like REG_MR
 * (fastreg.c) they execute when the WQE is fetched, in send-queue order.
 * The checks are ctx/mw.c's; here each refusal becomes its completion
 * status, its guest-error class and, through the failed record, the QP's
 * error.
 */
#include <string.h>
#include "xport/transport.h"

/* The guest-error class and text of each bind refusal. */
static void bind_refused(RdoCore *core, uint32_t qpn,
                         const struct rdo_bind_mw_wqe *b, RdoMwBind r)
{
    static const struct {
        enum rdo_guest_err ge;
        const char *why;
    } refusal[] = {
        [RDO_MWB_BAD_MW] = { RDO_GE_MW_BIND_BAD_MW,
                             "no window of the QP's PD with that key" },
        [RDO_MWB_BOUND] = { RDO_GE_MW_BIND_BOUND,
                            "the type-2 window is bound (not free)" },
        [RDO_MWB_BAD_MR] = { RDO_GE_MW_BIND_BAD_MR,
                             "no valid MR of the QP's PD with that lkey" },
        [RDO_MWB_NO_BIND] = { RDO_GE_MW_BIND_NO_RIGHT,
                              "the MR has no MW_BIND right" },
        [RDO_MWB_RANGE] = { RDO_GE_MW_BIND_BAD_RANGE,
                            "range outside the MR, or a type-2 window "
                            "with length 0" },
        [RDO_MWB_ACCESS] = { RDO_GE_MW_BIND_BAD_ACCESS,
                             "rights unknown, or remote write/atomic on an "
                             "MR without local write" },
    };

    rdo_guest_error(core, refusal[r].ge, qpn, b->mw_key,
                    "QP %u: BIND_MW of window 0x%x to MR 0x%x "
                    "[0x%llx, +%llu) access 0x%x: %s", qpn, b->mw_key,
                    b->mr_key, (unsigned long long)b->addr,
                    (unsigned long long)b->length, b->access, refusal[r].why);
}

bool rdo_mw_bind_exec(RdoCore *core, uint32_t qpn, uint32_t pdn,
                      const RdoWqe *w, uint8_t *status, uint32_t *vendor_err)
{
    struct rdo_bind_mw_wqe b;
    uint32_t stall = RDO_NONE;
    RdoMwBind r;

    memcpy(&b, w->raw, sizeof(b));
    r = rdo_mw_bind(core, qpn, pdn, &b, &stall);
    *status = RDO_WC_MW_BIND_ERR;
    *vendor_err = RDO_VENDOR_ERR_FAST_REG;
    switch (r) {
    case RDO_MWB_OK:
        *status = RDO_WC_SUCCESS;
        *vendor_err = 0;
        return true;
    case RDO_MWB_PENDING:
        core->st->qp_stall_mr[qpn] = stall;
        core->cnt.mr_stalls++;
        return false;
    case RDO_MWB_DMA:   /* the context store's loss is reported there */
        *status = RDO_WC_LOC_PROT_ERR;
        *vendor_err = RDO_VENDOR_ERR_DMA;
        return true;
    case RDO_MWB_BAD_MW:
    case RDO_MWB_BAD_MR:
        *vendor_err = RDO_VENDOR_ERR_BAD_KEY;
        break;
    default:
        break;
    }
    bind_refused(core, qpn, &b, r);
    return true;
}

bool rdo_local_inv_exec(RdoCore *core, uint32_t qpn, uint32_t pdn,
                        uint32_t key, uint8_t *status, uint32_t *vendor_err)
{
    switch (rdo_key_invalidate(core, key, pdn, RDO_NONE)) {
    case RDO_INV_OK:
        *status = RDO_WC_SUCCESS;
        *vendor_err = 0;
        return true;
    case RDO_INV_PENDING:
        core->st->qp_stall_mr[qpn] = RDO_MR_KEY_INDEX(key);
        core->cnt.mr_stalls++;
        return false;
    case RDO_INV_TYPE1:
        rdo_guest_error(core, RDO_GE_MW_INV_TYPE1, qpn, key,
                        "QP %u: LOCAL_INV of key 0x%x: a type-1 window "
                        "(unbind it with a zero-length bind)", qpn, key);
        *status = RDO_WC_LOC_QP_OP_ERR;
        *vendor_err = RDO_VENDOR_ERR_FAST_REG;
        return true;
    default:
        rdo_guest_error(core, RDO_GE_LOCAL_INV_BAD_KEY, qpn, key,
                        "QP %u: LOCAL_INV of key 0x%x: no valid MR or type-2 "
                        "window of the QP's PD", qpn, key);
        *status = RDO_WC_LOC_PROT_ERR;
        *vendor_err = RDO_VENDOR_ERR_BAD_KEY;
        return true;
    }
}
