file(REMOVE_RECURSE
  "CMakeFiles/hvsim_svm.dir/svm/kvm.c.o"
  "CMakeFiles/hvsim_svm.dir/svm/kvm.c.o.d"
  "CMakeFiles/hvsim_svm.dir/svm/vmcb.c.o"
  "CMakeFiles/hvsim_svm.dir/svm/vmcb.c.o.d"
  "libhvsim_svm.a"
  "libhvsim_svm.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/hvsim_svm.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
