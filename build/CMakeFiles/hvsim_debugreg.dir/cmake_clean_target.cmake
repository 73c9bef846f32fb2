file(REMOVE_RECURSE
  "libhvsim_debugreg.a"
)
