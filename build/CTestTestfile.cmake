# CMake generated Testfile for 
# Source directory: /work/main
# Build directory: /work/main/build
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
add_test([=[test_dr_rules]=] "/work/main/build/test_dr_rules" "--jobs" "2")
set_tests_properties([=[test_dr_rules]=] PROPERTIES  ENVIRONMENT "HVSIM=/work/main/build/hvsim;HVSIM_SOURCE_DIR=/work/main" _BACKTRACE_TRIPLES "/work/main/CMakeLists.txt;67;add_test;/work/main/CMakeLists.txt;0;")
add_test([=[test_scenario_load]=] "/work/main/build/test_scenario_load" "--jobs" "2")
set_tests_properties([=[test_scenario_load]=] PROPERTIES  ENVIRONMENT "HVSIM=/work/main/build/hvsim;HVSIM_SOURCE_DIR=/work/main" _BACKTRACE_TRIPLES "/work/main/CMakeLists.txt;67;add_test;/work/main/CMakeLists.txt;0;")
add_test([=[test_vmx]=] "/work/main/build/test_vmx" "--jobs" "2")
set_tests_properties([=[test_vmx]=] PROPERTIES  ENVIRONMENT "HVSIM=/work/main/build/hvsim;HVSIM_SOURCE_DIR=/work/main" _BACKTRACE_TRIPLES "/work/main/CMakeLists.txt;67;add_test;/work/main/CMakeLists.txt;0;")
