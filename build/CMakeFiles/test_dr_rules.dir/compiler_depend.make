# Empty compiler generated dependencies file for test_dr_rules.
# This may be replaced when dependencies are built.
