// Refusals before a swap device is written: never write over a mounted
// filesystem or a swap area in use. Reads /proc/self/mountinfo, /proc/swaps and
// sysfs; plain C++, no Node.
#pragma once
#include <sys/stat.h>

#include <string>

#include "status.h"

namespace frontswap {

// Ok, DeviceMounted or DeviceSwapActive (with a message naming what was found).
// `st` is the stat of the path about to be opened (a block device or a regular file).
Code checkNotInUse(const std::string& path, const struct stat& st, std::string* message);

// The sysfs name of a block device ("zram3", "loop7", "vda1"), or "" when unknown.
std::string blockDeviceName(dev_t rdev);

}  // namespace frontswap
