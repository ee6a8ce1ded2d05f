// SPDX-License-Identifier: GPL-2.0
/* xdp_scale_mix at about 500 instructions: 8 mixing rounds. */
#define MIX_ROUNDS 8
#define xdp_scale_mix xdp_scale_mix500
#include "xdp_scale_mix.c"
