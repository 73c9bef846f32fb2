file(REMOVE_RECURSE
  "CMakeFiles/hvsim.dir/sim/main.c.o"
  "CMakeFiles/hvsim.dir/sim/main.c.o.d"
  "hvsim"
  "hvsim.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/hvsim.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
