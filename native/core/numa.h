// NUMA placement of a mapping: bind it to one node before its pages are
// faulted in (mbind, MPOL_BIND), and ask the kernel where its pages really are
// (move_pages with no target: a query). Plain syscalls: no libnuma needed.
#pragma once
#include <cstddef>
#include <string>

namespace frontswap {

constexpr int kNoNode = -1;
constexpr int kMixedNodes = -2;

// Whether `node` exists and has memory (/sys/devices/system/node/has_memory;
// without that file, only node 0 of a kernel built without NUMA).
bool nodeHasMemory(int node);

// MPOL_BIND of [p, p + len) to `node`; false with *message filled on failure.
bool bindToNode(void* p, size_t len, int node, std::string* message);

// The node holding the pages of [p, p + len), sampled every `step` bytes (at
// most 256 samples): the node, kMixedNodes when they differ, kNoNode when the
// kernel did not say (no NUMA support, or a page not present).
int pagesNode(const void* p, size_t len, size_t step);

}  // namespace frontswap
