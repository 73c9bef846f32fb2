# Empty compiler generated dependencies file for hvsim_vmx.
# This may be replaced when dependencies are built.
