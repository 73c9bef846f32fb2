
# Consider dependencies only in project.
set(CMAKE_DEPENDS_IN_PROJECT_ONLY OFF)

# The set of languages for which implicit dependencies are needed:
set(CMAKE_DEPENDS_LANGUAGES
  )

# The set of dependency files which are needed:
set(CMAKE_DEPENDS_DEPENDENCY_FILES
  "/work/main/tests/test_dr_rules.c" "CMakeFiles/test_dr_rules.dir/tests/test_dr_rules.c.o" "gcc" "CMakeFiles/test_dr_rules.dir/tests/test_dr_rules.c.o.d"
  )

# Targets to which this target links.
set(CMAKE_TARGET_LINKED_INFO_FILES
  "/work/main/build/CMakeFiles/hvsim_sim.dir/DependInfo.cmake"
  "/work/main/build/CMakeFiles/hvsim_vmx.dir/DependInfo.cmake"
  "/work/main/build/CMakeFiles/hvsim_svm.dir/DependInfo.cmake"
  "/work/main/build/CMakeFiles/hvsim_debugreg.dir/DependInfo.cmake"
  "/work/main/build/CMakeFiles/hvsim_cpu.dir/DependInfo.cmake"
  )

# Fortran module output directory.
set(CMAKE_Fortran_TARGET_MODULE_DIR "")
