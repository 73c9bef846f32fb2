file(REMOVE_RECURSE
  "CMakeFiles/hvsim_vmx.dir/vmx/fields.c.o"
  "CMakeFiles/hvsim_vmx.dir/vmx/fields.c.o.d"
  "CMakeFiles/hvsim_vmx.dir/vmx/hw.c.o"
  "CMakeFiles/hvsim_vmx.dir/vmx/hw.c.o.d"
  "CMakeFiles/hvsim_vmx.dir/vmx/kvm.c.o"
  "CMakeFiles/hvsim_vmx.dir/vmx/kvm.c.o.d"
  "libhvsim_vmx.a"
  "libhvsim_vmx.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/hvsim_vmx.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
