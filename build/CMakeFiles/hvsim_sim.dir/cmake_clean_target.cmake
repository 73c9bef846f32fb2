file(REMOVE_RECURSE
  "libhvsim_sim.a"
)
