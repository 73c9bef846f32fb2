CMakeFiles/hvsim_sim.dir/sim/cli.c.o: /work/main/sim/cli.c \
 /usr/include/stdc-predef.h
