/* SPDX-License-Identifier: GPL-2.0 */
/* A "kernel" that never returns: the boot timeout must cut it off. */
	.globl	_start
_start:
	wfe
	b	_start
