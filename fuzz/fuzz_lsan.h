/* fuzz_lsan.h - the LeakSanitizer suppression of every fuzz target that runs
 * guest code.  Unicorn 2.0.1 never frees QEMU's per-page code bitmap, which
 * it builds when the guest writes to a page it has translated code from
 * (self-modifying code): a leak inside libunicorn that uc_close() leaves
 * behind, not in hvsim (tests/fuzz-regressions/guest/self-modifying-code.bin). */
#ifndef HVSIM_FUZZ_LSAN_H
#define HVSIM_FUZZ_LSAN_H
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:tb_invalidate_phys_page_fast\n";
}
#endif
