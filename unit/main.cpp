// The caf-test runner: every suite in unit/ links into this one binary, and
// CMake registers each suite with ctest (`nodepulse-unit -s "^suite$"`).
#define CAF_SUITE unit_main
#include <caf/test/unit_test.hpp>
#include <caf/test/unit_test_impl.hpp>
