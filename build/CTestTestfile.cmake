# CMake generated Testfile for 
# Source directory: /work/main
# Build directory: /work/main/build
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
add_test([=[test_dr_rules]=] "/work/main/build/test_dr_rules" "--jobs" "2")
set_tests_properties([=[test_dr_rules]=] PROPERTIES  ENVIRONMENT "HVSIM=/work/main/build/hvsim;HVSIM_SOURCE_DIR=/work/main" _BACKTRACE_TRIPLES "/work/main/CMakeLists.txt;71;add_test;/work/main/CMakeLists.txt;0;")
add_test([=[test_scenario_load]=] "/work/main/build/test_scenario_load" "--jobs" "2")
set_tests_properties([=[test_scenario_load]=] PROPERTIES  ENVIRONMENT "HVSIM=/work/main/build/hvsim;HVSIM_SOURCE_DIR=/work/main" _BACKTRACE_TRIPLES "/work/main/CMakeLists.txt;71;add_test;/work/main/CMakeLists.txt;0;")
add_test([=[test_vmx]=] "/work/main/build/test_vmx" "--jobs" "2")
set_tests_properties([=[test_vmx]=] PROPERTIES  ENVIRONMENT "HVSIM=/work/main/build/hvsim;HVSIM_SOURCE_DIR=/work/main" _BACKTRACE_TRIPLES "/work/main/CMakeLists.txt;71;add_test;/work/main/CMakeLists.txt;0;")
add_test([=[scenario_exec_and_watch_32]=] "/work/main/build/hvsim" "check" "/work/main/scenarios/exec_and_watch_32.yaml")
set_tests_properties([=[scenario_exec_and_watch_32]=] PROPERTIES  _BACKTRACE_TRIPLES "/work/main/CMakeLists.txt;79;add_test;/work/main/CMakeLists.txt;0;")
add_test([=[scenario_exec_and_watch_64]=] "/work/main/build/hvsim" "check" "/work/main/scenarios/exec_and_watch_64.yaml")
set_tests_properties([=[scenario_exec_and_watch_64]=] PROPERTIES  _BACKTRACE_TRIPLES "/work/main/CMakeLists.txt;79;add_test;/work/main/CMakeLists.txt;0;")
add_test([=[scenario_vmx_bp_with_host_bp]=] "/work/main/build/hvsim" "check" "/work/main/scenarios/vmx_bp_with_host_bp.yaml")
set_tests_properties([=[scenario_vmx_bp_with_host_bp]=] PROPERTIES  _BACKTRACE_TRIPLES "/work/main/CMakeLists.txt;79;add_test;/work/main/CMakeLists.txt;0;")
add_test([=[scenario_vmx_debug_controls]=] "/work/main/build/hvsim" "check" "/work/main/scenarios/vmx_debug_controls.yaml")
set_tests_properties([=[scenario_vmx_debug_controls]=] PROPERTIES  _BACKTRACE_TRIPLES "/work/main/CMakeLists.txt;79;add_test;/work/main/CMakeLists.txt;0;")
add_test([=[scenario_vmx_dr_once_out_loop]=] "/work/main/build/hvsim" "check" "/work/main/scenarios/vmx_dr_once_out_loop.yaml")
set_tests_properties([=[scenario_vmx_dr_once_out_loop]=] PROPERTIES  _BACKTRACE_TRIPLES "/work/main/CMakeLists.txt;79;add_test;/work/main/CMakeLists.txt;0;")
