/*
 * Link stubs for timing ubpf's interpreter alone (written for bpfsynth, not ubpf code): the JIT
 * is not built, so its x86-64 entry points report failure, and the per-instruction field filter
 * of ubpf's vm/ubpf_instruction_valid.c accepts everything (ubpf consults it at load time only,
 * never per run; our programs are valid BPF).
 */
#include "ubpf_int.h"

static struct ubpf_jit_result no_jit(void)
{
    struct ubpf_jit_result r = {0};
    r.compile_result = UBPF_JIT_COMPILE_FAILURE;
    return r;
}

struct ubpf_jit_result ubpf_translate_x86_64(struct ubpf_vm* vm, uint8_t* b, size_t* s, enum JitMode m)
{
    (void)vm; (void)b; (void)s; (void)m;
    return no_jit();
}

bool ubpf_jit_update_dispatcher_x86_64(struct ubpf_vm* vm, external_function_dispatcher_t d, uint8_t* b, size_t s, uint32_t o)
{
    (void)vm; (void)d; (void)b; (void)s; (void)o;
    return false;
}

bool ubpf_jit_update_helper_x86_64(struct ubpf_vm* vm, extended_external_helper_t h, unsigned int i, uint8_t* b, size_t s, uint32_t o)
{
    (void)vm; (void)h; (void)i; (void)b; (void)s; (void)o;
    return false;
}

bool ubpf_is_valid_instruction(const struct ebpf_inst inst, char** errmsg)
{
    (void)inst; (void)errmsg;
    return true;
}
