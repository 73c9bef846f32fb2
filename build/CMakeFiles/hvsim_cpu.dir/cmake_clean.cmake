file(REMOVE_RECURSE
  "CMakeFiles/hvsim_cpu.dir/cpu/cost.c.o"
  "CMakeFiles/hvsim_cpu.dir/cpu/cost.c.o.d"
  "CMakeFiles/hvsim_cpu.dir/cpu/cpu.c.o"
  "CMakeFiles/hvsim_cpu.dir/cpu/cpu.c.o.d"
  "CMakeFiles/hvsim_cpu.dir/cpu/decode.c.o"
  "CMakeFiles/hvsim_cpu.dir/cpu/decode.c.o.d"
  "CMakeFiles/hvsim_cpu.dir/cpu/deliver.c.o"
  "CMakeFiles/hvsim_cpu.dir/cpu/deliver.c.o.d"
  "CMakeFiles/hvsim_cpu.dir/cpu/dr.c.o"
  "CMakeFiles/hvsim_cpu.dir/cpu/dr.c.o.d"
  "CMakeFiles/hvsim_cpu.dir/cpu/engine.c.o"
  "CMakeFiles/hvsim_cpu.dir/cpu/engine.c.o.d"
  "CMakeFiles/hvsim_cpu.dir/cpu/exec.c.o"
  "CMakeFiles/hvsim_cpu.dir/cpu/exec.c.o.d"
  "CMakeFiles/hvsim_cpu.dir/cpu/insn_hook.c.o"
  "CMakeFiles/hvsim_cpu.dir/cpu/insn_hook.c.o.d"
  "CMakeFiles/hvsim_cpu.dir/cpu/kvm.c.o"
  "CMakeFiles/hvsim_cpu.dir/cpu/kvm.c.o.d"
  "CMakeFiles/hvsim_cpu.dir/cpu/stats.c.o"
  "CMakeFiles/hvsim_cpu.dir/cpu/stats.c.o.d"
  "libhvsim_cpu.a"
  "libhvsim_cpu.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/hvsim_cpu.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
