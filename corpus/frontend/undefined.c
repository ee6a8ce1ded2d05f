// A call to a function nobody defines (as memset/memcpy calls clang could not inline appear in old objects).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

extern void *my_memset(void *s, int c, unsigned long n);

SEC("xdp")
int undef_prog(struct xdp_md *ctx) {
  char buf[16];
  my_memset(buf, 0, ctx->data_end & 15);
  return buf[3];
}

char LICENSE[] SEC("license") = "GPL";
