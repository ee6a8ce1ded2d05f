/*
 * Side-by-side reference driver: times ubpf's interpreter (ubpf_exec) on raw bytecode, per run,
 * in process CPU time, the way scripts/ubpf/side-by-side.ts times ours. Written for bpfsynth;
 * links against a ubpf build (see scripts/ubpf/bench.sh), fetches nothing.
 *
 *   driver PROG.bin PACKETS.bin xdp|mem RUNS BATCHES
 *
 * PACKETS.bin holds packets of equal length one after another; run k uses packet k mod count.
 * xdp: ubpf has no xdp_md, so the memory handed to ubpf_exec is a fake xdp_md (data, data_end,
 *      data_meta as 32-bit addresses) followed by the packet, in a mapping below 4 GiB
 *      (MAP_32BIT) so that the 32-bit ctx loads of a real XDP program yield true pointers and
 *      the same instructions run as in the kernel and in our interpreter.
 * mem: the packet itself is the memory (r1 = packet, r2 = its length).
 * Prints one JSON object: executed instructions and r0 per packet (counted once, with ubpf's
 * debug hook, before timing) and ns per run for each batch.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <ubpf.h>

#define CTX_BYTES 64 /* the packet starts here in xdp mode */
#define MAX_PACKETS 16

static uint8_t* slurp(const char* path, size_t* len)
{
    FILE* f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "driver: cannot open %s\n", path);
        exit(1);
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t* buf = malloc(n > 0 ? n : 1);
    if (n > 0 && fread(buf, 1, n, f) != (size_t)n) {
        fprintf(stderr, "driver: short read on %s\n", path);
        exit(1);
    }
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static uint64_t counted; /* instructions seen by the debug hook */
static void count_insn(void* c, int pc, const uint64_t r[16], const uint8_t* s, size_t sl, uint64_t rm, const uint8_t* sm)
{
    (void)c; (void)pc; (void)r; (void)s; (void)sl; (void)rm; (void)sm;
    counted++;
}

static double cpu_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return t.tv_sec * 1e9 + t.tv_nsec;
}

int main(int argc, char** argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: driver PROG.bin PACKETS.bin xdp|mem RUNS BATCHES\n");
        return 2;
    }
    size_t code_len, pk_all;
    uint8_t* code = slurp(argv[1], &code_len);
    uint8_t* pk = slurp(argv[2], &pk_all);
    int xdp = strcmp(argv[3], "xdp") == 0;
    long runs = atol(argv[4]), batches = atol(argv[5]);
    const size_t pk_len = 64;
    int npk = (int)(pk_all / pk_len);
    if (npk < 1 || npk > MAX_PACKETS || runs < 1 || batches < 1) {
        fprintf(stderr, "driver: need 1..%d packets of 64 bytes and positive RUNS, BATCHES\n", MAX_PACKETS);
        return 2;
    }

    struct ubpf_vm* vm = ubpf_create();
    char* err = NULL;
    if (ubpf_load(vm, code, (uint32_t)code_len, &err) != 0) {
        fprintf(stderr, "driver: ubpf_load: %s\n", err ? err : "failed");
        return 1;
    }

    uint8_t* mem[MAX_PACKETS];
    size_t mem_len[MAX_PACKETS];
    for (int i = 0; i < npk; i++) {
        uint8_t* m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
        if (m == MAP_FAILED) {
            fprintf(stderr, "driver: mmap below 4 GiB failed\n");
            return 1;
        }
        if (xdp) {
            uint32_t data = (uint32_t)(uintptr_t)(m + CTX_BYTES), end = data + (uint32_t)pk_len;
            memcpy(m + 0, &data, 4);     /* xdp_md.data */
            memcpy(m + 4, &end, 4);      /* xdp_md.data_end */
            memcpy(m + 8, &data, 4);     /* xdp_md.data_meta */
            memcpy(m + CTX_BYTES, pk + i * pk_len, pk_len);
            mem[i] = m;
            mem_len[i] = CTX_BYTES + pk_len;
        } else {
            memcpy(m, pk + i * pk_len, pk_len);
            mem[i] = m;
            mem_len[i] = pk_len;
        }
    }

    /* instructions and r0 per packet, through ubpf's own per-instruction hook */
    uint64_t insns[MAX_PACKETS], r0[MAX_PACKETS];
    ubpf_register_debug_fn(vm, NULL, count_insn);
    for (int i = 0; i < npk; i++) {
        counted = 0;
        if (ubpf_exec(vm, mem[i], mem_len[i], &r0[i]) != 0) {
            fprintf(stderr, "driver: ubpf_exec failed on packet %d\n", i);
            return 1;
        }
        insns[i] = counted;
    }
    ubpf_register_debug_fn(vm, NULL, NULL);
    for (int i = 0; i < npk; i++) /* put the packets back as they were before the counting runs */
        memcpy(mem[i] + (xdp ? CTX_BYTES : 0), pk + i * pk_len, pk_len);

    uint64_t sink = 0, ret;
    for (long k = 0; k < runs / 4 + 1; k++) { /* warm caches and branch predictors */
        ubpf_exec(vm, mem[k % npk], mem_len[k % npk], &ret);
        sink += ret;
    }
    printf("{\"insns\":[");
    for (int i = 0; i < npk; i++) printf("%s%llu", i ? "," : "", (unsigned long long)insns[i]);
    printf("],\"r0\":[");
    for (int i = 0; i < npk; i++) printf("%s%llu", i ? "," : "", (unsigned long long)r0[i]);
    printf("],\"ns\":[");
    for (long b = 0; b < batches; b++) {
        double t0 = cpu_ns();
        for (long k = 0; k < runs; k++) {
            int i = (int)(k % npk);
            ubpf_exec(vm, mem[i], mem_len[i], &ret);
            sink += ret;
        }
        double t1 = cpu_ns();
        printf("%s%.2f", b ? "," : "", (t1 - t0) / runs);
    }
    printf("],\"sink\":%llu}\n", (unsigned long long)sink);
    ubpf_destroy(vm);
    return 0;
}
