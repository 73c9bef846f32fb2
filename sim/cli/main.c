int hvsim_main(int argc, char **argv);
int main(int argc, char **argv) { return hvsim_main(argc, argv); }
