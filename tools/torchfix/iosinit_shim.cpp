// TorchSharp 0.107.0's libLibTorchSharp.so was built with GCC 13, whose <iostream> emits a call to
// std::ios_base_library_init() (GLIBCXX_3.4.32). Debian 12's libstdc++ stops at 3.4.30. This shim
// provides that one symbol, doing what GCC 13's libstdc++ does: construct an ios_base::Init once.
#include <ios>
namespace std { void ios_base_library_init() { static ios_base::Init init; } }
