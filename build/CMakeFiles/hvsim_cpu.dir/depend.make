# Empty dependencies file for hvsim_cpu.
# This may be replaced when dependencies are built.
