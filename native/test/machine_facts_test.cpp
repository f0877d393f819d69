#include <fstream>
#include <sstream>
#include <string>

#include "check.h"
#include "core/machine_facts.h"

using namespace frontswap;

static std::string slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

TEST(thp_mode_is_the_bracketed_word_of_sysfs) {
  const std::string text = slurp("/sys/kernel/mm/transparent_hugepage/enabled");
  const std::string mode = thpMode();
  if (text.empty()) {
    CHECK(mode.empty());
    return;
  }
  CHECK(mode == "always" || mode == "madvise" || mode == "never");
  CHECK(text.find("[" + mode + "]") != std::string::npos);
}

// The figure must be a data cache's size at the deepest level cpu0 reports.
TEST(last_level_cache_is_a_data_cache_of_the_deepest_level) {
  const std::string base = "/sys/devices/system/cpu/cpu0/cache/index";
  long deepest = -1;
  for (int i = 0; !slurp(base + std::to_string(i) + "/level").empty(); i++) {
    if (slurp(base + std::to_string(i) + "/type").rfind("Instruction", 0) == 0) continue;
    deepest = std::max(deepest, std::stol(slurp(base + std::to_string(i) + "/level")));
  }
  const size_t llc = lastLevelCacheBytes();
  if (deepest < 0) return;  // no sysfs caches: glibc's figure or 0, nothing to compare with
  bool matched = false;
  for (int i = 0; !slurp(base + std::to_string(i) + "/level").empty(); i++) {
    const std::string dir = base + std::to_string(i) + "/";
    if (std::stol(slurp(dir + "level")) != deepest || slurp(dir + "type").rfind("Instruction", 0) == 0) continue;
    const std::string size = slurp(dir + "size");
    size_t bytes = std::stoull(size);
    if (size.find('K') != std::string::npos) bytes *= 1024;
    if (size.find('M') != std::string::npos) bytes *= 1024 * 1024;
    matched = matched || bytes == llc;
  }
  CHECK(matched);
}
