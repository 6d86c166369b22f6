// `nodepulse-bench encode`: the stream entry payload of a push, its size per
// sample beside the text's, and encode/decode speed.
#pragma once

namespace nodepulse::bench {

int encode_bench(int argc, char** argv);

} // namespace nodepulse::bench
