
# Consider dependencies only in project.
set(CMAKE_DEPENDS_IN_PROJECT_ONLY OFF)

# The set of languages for which implicit dependencies are needed:
set(CMAKE_DEPENDS_LANGUAGES
  )

# The set of dependency files which are needed:
set(CMAKE_DEPENDS_DEPENDENCY_FILES
  "/work/main/debugreg/core.c" "CMakeFiles/hvsim_debugreg.dir/debugreg/core.c.o" "gcc" "CMakeFiles/hvsim_debugreg.dir/debugreg/core.c.o.d"
  "/work/main/debugreg/policies.c" "CMakeFiles/hvsim_debugreg.dir/debugreg/policies.c.o" "gcc" "CMakeFiles/hvsim_debugreg.dir/debugreg/policies.c.o.d"
  "/work/main/debugreg/regcache.c" "CMakeFiles/hvsim_debugreg.dir/debugreg/regcache.c.o" "gcc" "CMakeFiles/hvsim_debugreg.dir/debugreg/regcache.c.o.d"
  "/work/main/debugreg/switch.c" "CMakeFiles/hvsim_debugreg.dir/debugreg/switch.c.o" "gcc" "CMakeFiles/hvsim_debugreg.dir/debugreg/switch.c.o.d"
  )

# Targets to which this target links.
set(CMAKE_TARGET_LINKED_INFO_FILES
  "/work/main/build/CMakeFiles/hvsim_cpu.dir/DependInfo.cmake"
  )

# Fortran module output directory.
set(CMAKE_Fortran_TARGET_MODULE_DIR "")
