CMakeFiles/hvsim_svm.dir/svm/vmcb.c.o: /work/main/svm/vmcb.c \
 /usr/include/stdc-predef.h
