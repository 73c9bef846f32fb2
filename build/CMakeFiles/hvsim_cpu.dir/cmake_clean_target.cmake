file(REMOVE_RECURSE
  "libhvsim_cpu.a"
)
