/* guestdbg.h - the KVM_SET_GUEST_DEBUG control bits, shared by the
 * scenario loader (host.guest_debug), the debug-register core and the
 * /dev/kvm reference (which passes them to the real ioctl unchanged). */
#ifndef HVSIM_UTIL_GUESTDBG_H
#define HVSIM_UTIL_GUESTDBG_H

/* KVM_SET_GUEST_DEBUG control bits, the values of the UAPI
 * (include/uapi/linux/kvm.h KVM_GUESTDBG_ENABLE/SINGLESTEP,
 * arch/x86/include/uapi/asm/kvm.h KVM_GUESTDBG_USE_SW_BP ... INJECT_BP);
 * spelled GUESTDBG_* so that no file sees two definitions. */
#define GUESTDBG_ENABLE      0x00000001u
#define GUESTDBG_SINGLESTEP  0x00000002u
#define GUESTDBG_USE_SW_BP   0x00010000u
#define GUESTDBG_USE_HW_BP   0x00020000u
#define GUESTDBG_INJECT_DB   0x00040000u
#define GUESTDBG_INJECT_BP   0x00080000u
#define GUESTDBG_VALID_MASK  (GUESTDBG_ENABLE | GUESTDBG_SINGLESTEP | GUESTDBG_USE_SW_BP | \
			      GUESTDBG_USE_HW_BP | GUESTDBG_INJECT_DB | GUESTDBG_INJECT_BP)

#endif
