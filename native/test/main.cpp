// Runs every registered case; prints "N passed, N failed" last.
#include <cstring>

#include "check.h"

int main(int argc, char** argv) {
  int passed = 0, failed = 0;
  for (auto& c : frontswap_test::registry()) {
    if (argc > 1 && std::strstr(c.name, argv[1]) == nullptr) continue;
    int before = frontswap_test::failures();
    std::fprintf(stderr, "%s\n", c.name);
    c.fn();
    if (frontswap_test::failures() == before) {
      passed++;
    } else {
      failed++;
      std::fprintf(stderr, "  FAILED\n");
    }
  }
  std::printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
