// A minimal test harness for the native core: TEST registers a case, CHECK
// records a failure and carries on. No dependency beyond the standard library.
#pragma once
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

namespace frontswap_test {

struct Case {
  const char* name;
  std::function<void()> fn;
};

inline std::vector<Case>& registry() {
  static std::vector<Case> cases;
  return cases;
}

inline int& failures() {
  static int n = 0;
  return n;
}

struct Register {
  Register(const char* name, std::function<void()> fn) { registry().push_back({name, std::move(fn)}); }
};

}  // namespace frontswap_test

#define FS_CONCAT2(a, b) a##b
#define FS_CONCAT(a, b) FS_CONCAT2(a, b)
#define TEST(name)                                                                                 \
  static void name();                                                                              \
  static frontswap_test::Register FS_CONCAT(reg_, name)(#name, name);                              \
  static void name()

#define CHECK(cond)                                                                                \
  do {                                                                                             \
    if (!(cond)) {                                                                                 \
      std::fprintf(stderr, "  %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond);              \
      frontswap_test::failures()++;                                                                \
    }                                                                                              \
  } while (0)

#define CHECK_EQ(a, b)                                                                             \
  do {                                                                                             \
    auto va = (a);                                                                                 \
    auto vb = (b);                                                                                 \
    if (!(va == vb)) {                                                                             \
      std::fprintf(stderr, "  %s:%d: CHECK_EQ(%s, %s) failed: %s vs %s\n", __FILE__, __LINE__, #a, #b, \
                   std::to_string(va).c_str(), std::to_string(vb).c_str());                        \
      frontswap_test::failures()++;                                                                \
    }                                                                                              \
  } while (0)
