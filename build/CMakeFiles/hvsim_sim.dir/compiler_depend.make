# Empty compiler generated dependencies file for hvsim_sim.
# This may be replaced when dependencies are built.
