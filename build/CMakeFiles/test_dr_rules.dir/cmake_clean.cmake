file(REMOVE_RECURSE
  "CMakeFiles/test_dr_rules.dir/tests/test_dr_rules.c.o"
  "CMakeFiles/test_dr_rules.dir/tests/test_dr_rules.c.o.d"
  "test_dr_rules"
  "test_dr_rules.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_dr_rules.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
