// An anonymous memory mapping backed by hugetlb pages, transparent huge pages or
// plain pages, with the backing verified against /proc/self/smaps.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

#include "status.h"

namespace frontswap {

enum class Backing : uint8_t { Normal, Thp, Hugetlb };
enum class BackingRequest : uint8_t { Auto, Normal, Thp, Hugetlb };

constexpr size_t kHugePageBytes = size_t(2) << 20;

const char* backingName(Backing b);

class Mapping {
 public:
  struct Options {
    size_t bytes = 0;
    BackingRequest backing = BackingRequest::Auto;
    bool prefault = true;
    int numaNode = -1;  // >= 0: bound to this node (mbind) before any page is faulted in
  };

  // On failure returns the code and fills *message with what to do about it.
  static Code create(const Options& options, Mapping* out, std::string* message);

  Mapping() = default;
  Mapping(Mapping&& other) noexcept;
  Mapping& operator=(Mapping&& other) noexcept;
  Mapping(const Mapping&) = delete;
  Mapping& operator=(const Mapping&) = delete;
  ~Mapping() { release(); }

  uint8_t* data() const { return data_; }
  size_t bytes() const { return bytes_; }          // usable bytes (what was asked)
  size_t mappedBytes() const { return mapLen_; }   // rounded up to the backing's page
  Backing backing() const { return backing_; }
  bool mapped() const { return data_ != nullptr; }
  void release();

 private:
  uint8_t* data_ = nullptr;
  size_t bytes_ = 0;
  size_t mapLen_ = 0;
  size_t guard_ = 0;  // inaccessible bytes just below and just above the data
  Backing backing_ = Backing::Normal;
};

}  // namespace frontswap
