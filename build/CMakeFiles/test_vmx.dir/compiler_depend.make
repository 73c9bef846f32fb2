# Empty compiler generated dependencies file for test_vmx.
# This may be replaced when dependencies are built.
