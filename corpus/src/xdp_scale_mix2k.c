// SPDX-License-Identifier: GPL-2.0
/* xdp_scale_mix at about 1,600 instructions (Katran's balancer size): 36 mixing rounds. */
#define MIX_ROUNDS 36
#define xdp_scale_mix xdp_scale_mix2k
#include "xdp_scale_mix.c"
