// lossbench: a thin main over the core library (host/), so that tests link everything it runs.
#include "cli/cli.hpp"

int main(int argc, char** argv) { return lossbench::cli::main(argc, argv); }
