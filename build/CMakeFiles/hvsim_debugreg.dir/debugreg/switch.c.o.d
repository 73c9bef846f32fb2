CMakeFiles/hvsim_debugreg.dir/debugreg/switch.c.o: \
 /work/main/debugreg/switch.c /usr/include/stdc-predef.h \
 /work/main/debugreg/core.h \
 /usr/lib/gcc/x86_64-linux-gnu/12/include/stdbool.h \
 /usr/lib/gcc/x86_64-linux-gnu/12/include/stdint.h /usr/include/stdint.h \
 /usr/include/x86_64-linux-gnu/bits/libc-header-start.h \
 /usr/include/features.h /usr/include/features-time64.h \
 /usr/include/x86_64-linux-gnu/bits/wordsize.h \
 /usr/include/x86_64-linux-gnu/bits/timesize.h \
 /usr/include/x86_64-linux-gnu/sys/cdefs.h \
 /usr/include/x86_64-linux-gnu/bits/long-double.h \
 /usr/include/x86_64-linux-gnu/gnu/stubs.h \
 /usr/include/x86_64-linux-gnu/gnu/stubs-64.h \
 /usr/include/x86_64-linux-gnu/bits/types.h \
 /usr/include/x86_64-linux-gnu/bits/typesizes.h \
 /usr/include/x86_64-linux-gnu/bits/time64.h \
 /usr/include/x86_64-linux-gnu/bits/wchar.h \
 /usr/include/x86_64-linux-gnu/bits/stdint-intn.h \
 /usr/include/x86_64-linux-gnu/bits/stdint-uintn.h /work/main/cpu/cpu.h \
 /work/main/cpu/cost.h /usr/lib/gcc/x86_64-linux-gnu/12/include/stddef.h \
 /work/main/cpu/cost.def /work/main/cpu/dr.h /work/main/cpu/stats.h \
 /work/main/cpu/stats.def /work/main/cpu/events.def \
 /work/main/debugreg/policy.h
