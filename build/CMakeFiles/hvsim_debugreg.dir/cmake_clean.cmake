file(REMOVE_RECURSE
  "CMakeFiles/hvsim_debugreg.dir/debugreg/core.c.o"
  "CMakeFiles/hvsim_debugreg.dir/debugreg/core.c.o.d"
  "CMakeFiles/hvsim_debugreg.dir/debugreg/policies.c.o"
  "CMakeFiles/hvsim_debugreg.dir/debugreg/policies.c.o.d"
  "CMakeFiles/hvsim_debugreg.dir/debugreg/regcache.c.o"
  "CMakeFiles/hvsim_debugreg.dir/debugreg/regcache.c.o.d"
  "CMakeFiles/hvsim_debugreg.dir/debugreg/switch.c.o"
  "CMakeFiles/hvsim_debugreg.dir/debugreg/switch.c.o.d"
  "libhvsim_debugreg.a"
  "libhvsim_debugreg.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/hvsim_debugreg.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
