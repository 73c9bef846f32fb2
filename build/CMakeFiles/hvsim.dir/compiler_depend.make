# Empty compiler generated dependencies file for hvsim.
# This may be replaced when dependencies are built.
