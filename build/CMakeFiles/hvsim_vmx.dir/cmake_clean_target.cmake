file(REMOVE_RECURSE
  "libhvsim_vmx.a"
)
