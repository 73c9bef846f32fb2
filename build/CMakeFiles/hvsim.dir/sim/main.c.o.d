CMakeFiles/hvsim.dir/sim/main.c.o: /work/main/sim/main.c \
 /usr/include/stdc-predef.h
