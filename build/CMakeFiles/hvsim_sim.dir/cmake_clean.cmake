file(REMOVE_RECURSE
  "CMakeFiles/hvsim_sim.dir/sim/cli.c.o"
  "CMakeFiles/hvsim_sim.dir/sim/cli.c.o.d"
  "libhvsim_sim.a"
  "libhvsim_sim.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/hvsim_sim.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
