#include "textflag.h"

// func callerPCs(pcs []uintptr) int
//
// Without a frame of its own, this function sees its caller's frame
// pointer in BP. Each frame record holds the caller's frame pointer at 0 and
// the return address at 8; the outermost frame of a goroutine has frame
// pointer 0.
TEXT ·callerPCs(SB), NOSPLIT|NOFRAME, $0-32
	MOVQ	BP, AX
	MOVQ	pcs_base+0(FP), DI
	MOVQ	pcs_len+8(FP), CX
	XORQ	DX, DX
loop:
	TESTQ	AX, AX
	JZ	done
	CMPQ	DX, CX
	JGE	done
	MOVQ	8(AX), SI
	MOVQ	SI, (DI)(DX*8)
	MOVQ	0(AX), AX
	INCQ	DX
	JMP	loop
done:
	MOVQ	DX, ret+24(FP)
	RET
