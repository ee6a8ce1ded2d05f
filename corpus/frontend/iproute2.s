# iproute2 conventions: classifier/action sections, a tail-call section 1/0 whose type the
# object's other sections agree on, and 36-byte struct bpf_elf_map definitions where the
# outer map names its inner template by id (inner_id = the template's id).
	.section	classifier,"ax",@progbits
	.globl	cls_main
cls_main:
	r1 = jmp_map ll
	r0 = 0
	exit

	.section	"1/0","ax",@progbits
	.globl	cls_tail
cls_tail:
	r0 = 1
	exit

	.section	maps,"aw",@progbits
	.globl	jmp_map
jmp_map:
	.long	13, 4, 4, 8, 0, 0, 0, 7, 0
	.globl	tmpl
tmpl:
	.long	1, 8, 16, 32, 0, 7, 0, 0, 0

	.section	license,"aw",@progbits
	.asciz	"GPL"
