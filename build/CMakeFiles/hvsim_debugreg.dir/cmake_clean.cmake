file(REMOVE_RECURSE
  "CMakeFiles/hvsim_debugreg.dir/debugreg/core.c.o"
  "CMakeFiles/hvsim_debugreg.dir/debugreg/core.c.o.d"
  "libhvsim_debugreg.a"
  "libhvsim_debugreg.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/hvsim_debugreg.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
