// `nodepulse-bench parse` and `nodepulse-bench make-fleet`.
#pragma once

namespace nodepulse::bench {

int parse_bench(int argc, char** argv);
int make_fleet(int argc, char** argv);

} // namespace nodepulse::bench
