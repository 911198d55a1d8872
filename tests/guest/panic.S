/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A "kernel" that prints a panic line on the PL011 of QEMU's virt machine
 * (at 0x09000000) and powers off with PSCI SYSTEM_OFF over HVC: QEMU exits
 * with status 0, so only the console tells that the guest panicked.
 */
#define UART		0x09000000
#define PSCI_SYSTEM_OFF	0x84000008

	.globl	_start
_start:
	ldr	x1, =UART
	adr	x2, msg
1:	ldrb	w3, [x2], #1
	cbz	w3, 2f
	strb	w3, [x1]
	b	1b
2:	ldr	x0, =PSCI_SYSTEM_OFF
	hvc	#0
3:	wfe
	b	3b

msg:	.asciz	"[    0.123456] Kernel panic - not syncing: harness fixture\r\n"
