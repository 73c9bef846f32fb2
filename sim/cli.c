typedef int hvsim_placeholder_t;
