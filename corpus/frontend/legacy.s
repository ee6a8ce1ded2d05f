# Old conventions in one object: NOTYPE program symbols (no .type), section names libbpf 1.x
# does not know (socket1, a numbered tail-call section 2/1, xdp-pktcntr), and a legacy
# `maps` section of 28-byte samples/bpf definitions where an array_of_maps names its inner
# template by index.
	.section	socket1,"ax",@progbits
	.globl	sock_prog
sock_prog:
	r1 = outer ll
	r0 = 0
	exit

	.section	"2/1","ax",@progbits
	.globl	tail_prog
tail_prog:
	r0 = 1
	exit

	.section	xdp-pktcntr,"ax",@progbits
	.globl	xdp_prog
xdp_prog:
	r0 = 2
	exit

	.section	maps,"aw",@progbits
	.globl	inner
inner:
	.long	2, 4, 8, 16, 0, 0, 0
	.globl	outer
outer:
	.long	12, 4, 4, 4, 0, 0, 0

	.section	license,"aw",@progbits
	.asciz	"GPL"
