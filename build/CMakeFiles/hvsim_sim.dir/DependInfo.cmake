
# Consider dependencies only in project.
set(CMAKE_DEPENDS_IN_PROJECT_ONLY OFF)

# The set of languages for which implicit dependencies are needed:
set(CMAKE_DEPENDS_LANGUAGES
  )

# The set of dependency files which are needed:
set(CMAKE_DEPENDS_DEPENDENCY_FILES
  "/work/main/sim/asm.c" "CMakeFiles/hvsim_sim.dir/sim/asm.c.o" "gcc" "CMakeFiles/hvsim_sim.dir/sim/asm.c.o.d"
  "/work/main/sim/cli.c" "CMakeFiles/hvsim_sim.dir/sim/cli.c.o" "gcc" "CMakeFiles/hvsim_sim.dir/sim/cli.c.o.d"
  "/work/main/sim/expect.c" "CMakeFiles/hvsim_sim.dir/sim/expect.c.o" "gcc" "CMakeFiles/hvsim_sim.dir/sim/expect.c.o.d"
  "/work/main/sim/json.c" "CMakeFiles/hvsim_sim.dir/sim/json.c.o" "gcc" "CMakeFiles/hvsim_sim.dir/sim/json.c.o.d"
  "/work/main/sim/outfile.c" "CMakeFiles/hvsim_sim.dir/sim/outfile.c.o" "gcc" "CMakeFiles/hvsim_sim.dir/sim/outfile.c.o.d"
  "/work/main/sim/result.c" "CMakeFiles/hvsim_sim.dir/sim/result.c.o" "gcc" "CMakeFiles/hvsim_sim.dir/sim/result.c.o.d"
  "/work/main/sim/run.c" "CMakeFiles/hvsim_sim.dir/sim/run.c.o" "gcc" "CMakeFiles/hvsim_sim.dir/sim/run.c.o.d"
  "/work/main/sim/scenario.c" "CMakeFiles/hvsim_sim.dir/sim/scenario.c.o" "gcc" "CMakeFiles/hvsim_sim.dir/sim/scenario.c.o.d"
  )

# Targets to which this target links.
set(CMAKE_TARGET_LINKED_INFO_FILES
  "/work/main/build/CMakeFiles/hvsim_vmx.dir/DependInfo.cmake"
  "/work/main/build/CMakeFiles/hvsim_svm.dir/DependInfo.cmake"
  "/work/main/build/CMakeFiles/hvsim_debugreg.dir/DependInfo.cmake"
  "/work/main/build/CMakeFiles/hvsim_cpu.dir/DependInfo.cmake"
  )

# Fortran module output directory.
set(CMAKE_Fortran_TARGET_MODULE_DIR "")
