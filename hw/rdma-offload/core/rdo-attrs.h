/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: where the compiler puts the core's code. The
 * functions a streamed frame runs are marked hot: GCC puts them in
 * .text.hot, which the linker gathers in one range, so that they share
 * the host's instruction cache without evicting each other (scattered
 * among the rest of the core they came to twice its sets' ways). The
 * error and report paths are marked cold: the compiler predicts every
 * branch to them not taken and moves those call blocks out of the hot
 * functions (.text.unlikely). Both only place code; docs/speed-history.md
 * has the measurements.
 */
#ifndef RDO_ATTRS_H
#define RDO_ATTRS_H

#define RDO_HOT __attribute__((hot))
#define RDO_COLD __attribute__((cold))

#endif /* RDO_ATTRS_H */
