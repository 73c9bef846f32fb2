file(REMOVE_RECURSE
  "CMakeFiles/test_vmx.dir/tests/test_vmx.c.o"
  "CMakeFiles/test_vmx.dir/tests/test_vmx.c.o.d"
  "test_vmx"
  "test_vmx.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_vmx.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
