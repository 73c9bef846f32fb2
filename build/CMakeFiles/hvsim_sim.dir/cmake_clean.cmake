file(REMOVE_RECURSE
  "CMakeFiles/hvsim_sim.dir/sim/asm.c.o"
  "CMakeFiles/hvsim_sim.dir/sim/asm.c.o.d"
  "CMakeFiles/hvsim_sim.dir/sim/cli.c.o"
  "CMakeFiles/hvsim_sim.dir/sim/cli.c.o.d"
  "CMakeFiles/hvsim_sim.dir/sim/expect.c.o"
  "CMakeFiles/hvsim_sim.dir/sim/expect.c.o.d"
  "CMakeFiles/hvsim_sim.dir/sim/json.c.o"
  "CMakeFiles/hvsim_sim.dir/sim/json.c.o.d"
  "CMakeFiles/hvsim_sim.dir/sim/outfile.c.o"
  "CMakeFiles/hvsim_sim.dir/sim/outfile.c.o.d"
  "CMakeFiles/hvsim_sim.dir/sim/result.c.o"
  "CMakeFiles/hvsim_sim.dir/sim/result.c.o.d"
  "CMakeFiles/hvsim_sim.dir/sim/run.c.o"
  "CMakeFiles/hvsim_sim.dir/sim/run.c.o.d"
  "CMakeFiles/hvsim_sim.dir/sim/scenario.c.o"
  "CMakeFiles/hvsim_sim.dir/sim/scenario.c.o.d"
  "libhvsim_sim.a"
  "libhvsim_sim.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/hvsim_sim.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
