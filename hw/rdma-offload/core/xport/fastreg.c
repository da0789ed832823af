/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: fast registration, the REG_MR work request. The
 * requester executes it when it fetches the WQE, in send-queue order, so a
 * later WQE of the same queue (and any request a peer sends after hearing
 * of the key) sees the new registration. What the MR context holds and the
 * checks are ctx/mr.c's; here each refusal becomes its completion status,
 * its guest-error class and, through the failed record, the QP's error.
 */
#include <string.h>
#include "xport/transport.h"

bool rdo_fastreg_exec(RdoCore *core, uint32_t qpn, const RdoQpCtx *qp,
                      const RdoWqe *w, uint8_t *status, uint32_t *vendor_err)
{
    struct rdo_reg_mr_wqe fr;
    RdoFastReg r;

    memcpy(&fr, w->raw, sizeof(fr));
    r = rdo_mr_fast_reg(core, qp->pdn, &fr);
    *status = RDO_WC_MW_BIND_ERR;
    *vendor_err = RDO_VENDOR_ERR_FAST_REG;
    switch (r) {
    case RDO_FR_OK:
        *status = RDO_WC_SUCCESS;
        *vendor_err = 0;
        return true;
    case RDO_FR_PENDING:
        core->st->qp_stall_mr[qpn] = RDO_MR_KEY_INDEX(fr.key);
        core->cnt.mr_stalls++;
        return false;
    case RDO_FR_BAD_MR:
        *status = RDO_WC_LOC_PROT_ERR;
        *vendor_err = RDO_VENDOR_ERR_BAD_KEY;
        rdo_guest_error(core, RDO_GE_FASTREG_BAD_MR, qpn, fr.key,
                        "QP %u: REG_MR of key 0x%x: no fast-registration MR "
                        "of the QP's PD", qpn, fr.key);
        return true;
    case RDO_FR_VALID:
        rdo_guest_error(core, RDO_GE_FASTREG_MR_VALID, qpn, fr.key,
                        "QP %u: REG_MR of key 0x%x: the MR is still valid",
                        qpn, fr.key);
        return true;
    case RDO_FR_PAGES:
        rdo_guest_error(core, RDO_GE_FASTREG_BAD_PAGES, qpn, fr.key,
                        "QP %u: REG_MR of key 0x%x: %u pages of 2^%u bytes "
                        "refused", qpn, fr.key, fr.num_pages, fr.page_shift);
        return true;
    case RDO_FR_RANGE:
        rdo_guest_error(core, RDO_GE_FASTREG_BAD_RANGE, qpn, fr.iova,
                        "QP %u: REG_MR of key 0x%x: iova 0x%llx length %llu "
                        "does not fit %u pages", qpn, fr.key,
                        (unsigned long long)fr.iova,
                        (unsigned long long)fr.length, fr.num_pages);
        return true;
    case RDO_FR_ACCESS:
        rdo_guest_error(core, RDO_GE_FASTREG_BAD_ACCESS, qpn, fr.key,
                        "QP %u: REG_MR of key 0x%x: access 0x%x not allowed",
                        qpn, fr.key, fr.access);
        return true;
    case RDO_FR_PAGE_LIST:
        *status = RDO_WC_LOC_PROT_ERR;
        *vendor_err = RDO_VENDOR_ERR_DMA;
        rdo_guest_error(core, RDO_GE_FASTREG_PAGE_LIST, qpn, fr.page_list,
                        "QP %u: REG_MR of key 0x%x: page list unreadable or "
                        "an entry not page-aligned", qpn, fr.key);
        return true;
    default:    /* RDO_FR_DMA: the context store's loss is reported there */
        *status = RDO_WC_LOC_PROT_ERR;
        *vendor_err = RDO_VENDOR_ERR_DMA;
        return true;
    }
}
