# Empty compiler generated dependencies file for hvsim_debugreg.
# This may be replaced when dependencies are built.
