file(REMOVE_RECURSE
  "libhvsim_svm.a"
)
