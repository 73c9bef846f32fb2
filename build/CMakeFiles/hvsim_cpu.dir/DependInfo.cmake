
# Consider dependencies only in project.
set(CMAKE_DEPENDS_IN_PROJECT_ONLY OFF)

# The set of languages for which implicit dependencies are needed:
set(CMAKE_DEPENDS_LANGUAGES
  )

# The set of dependency files which are needed:
set(CMAKE_DEPENDS_DEPENDENCY_FILES
  "/work/main/cpu/cost.c" "CMakeFiles/hvsim_cpu.dir/cpu/cost.c.o" "gcc" "CMakeFiles/hvsim_cpu.dir/cpu/cost.c.o.d"
  "/work/main/cpu/cpu.c" "CMakeFiles/hvsim_cpu.dir/cpu/cpu.c.o" "gcc" "CMakeFiles/hvsim_cpu.dir/cpu/cpu.c.o.d"
  "/work/main/cpu/decode.c" "CMakeFiles/hvsim_cpu.dir/cpu/decode.c.o" "gcc" "CMakeFiles/hvsim_cpu.dir/cpu/decode.c.o.d"
  "/work/main/cpu/deliver.c" "CMakeFiles/hvsim_cpu.dir/cpu/deliver.c.o" "gcc" "CMakeFiles/hvsim_cpu.dir/cpu/deliver.c.o.d"
  "/work/main/cpu/dr.c" "CMakeFiles/hvsim_cpu.dir/cpu/dr.c.o" "gcc" "CMakeFiles/hvsim_cpu.dir/cpu/dr.c.o.d"
  "/work/main/cpu/engine.c" "CMakeFiles/hvsim_cpu.dir/cpu/engine.c.o" "gcc" "CMakeFiles/hvsim_cpu.dir/cpu/engine.c.o.d"
  "/work/main/cpu/exec.c" "CMakeFiles/hvsim_cpu.dir/cpu/exec.c.o" "gcc" "CMakeFiles/hvsim_cpu.dir/cpu/exec.c.o.d"
  "/work/main/cpu/insn_hook.c" "CMakeFiles/hvsim_cpu.dir/cpu/insn_hook.c.o" "gcc" "CMakeFiles/hvsim_cpu.dir/cpu/insn_hook.c.o.d"
  "/work/main/cpu/kvm.c" "CMakeFiles/hvsim_cpu.dir/cpu/kvm.c.o" "gcc" "CMakeFiles/hvsim_cpu.dir/cpu/kvm.c.o.d"
  "/work/main/cpu/stats.c" "CMakeFiles/hvsim_cpu.dir/cpu/stats.c.o" "gcc" "CMakeFiles/hvsim_cpu.dir/cpu/stats.c.o.d"
  )

# Targets to which this target links.
set(CMAKE_TARGET_LINKED_INFO_FILES
  )

# Fortran module output directory.
set(CMAKE_Fortran_TARGET_MODULE_DIR "")
