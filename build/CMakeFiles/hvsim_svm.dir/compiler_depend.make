# Empty compiler generated dependencies file for hvsim_svm.
# This may be replaced when dependencies are built.
