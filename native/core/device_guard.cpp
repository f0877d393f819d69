#include "device_guard.h"

#include <dirent.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <climits>
#include <cstring>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <vector>

namespace frontswap {
namespace {

std::string sysBlockDir(dev_t rdev) {
  return "/sys/dev/block/" + std::to_string(major(rdev)) + ":" + std::to_string(minor(rdev));
}

// The device numbers of `rdev` and of its partitions (a mounted partition makes
// the whole disk unsafe too).
std::vector<dev_t> selfAndPartitions(dev_t rdev) {
  std::vector<dev_t> out{rdev};
  std::string dir = sysBlockDir(rdev);
  DIR* d = opendir(dir.c_str());
  if (!d) return out;
  while (dirent* e = readdir(d)) {
    std::ifstream part(dir + "/" + e->d_name + "/partition");
    if (!part) continue;
    std::ifstream devFile(dir + "/" + e->d_name + "/dev");
    unsigned ma, mi;
    char colon;
    if (devFile >> ma >> colon >> mi) out.push_back(makedev(ma, mi));
  }
  closedir(d);
  return out;
}

bool dirHasEntries(const std::string& dir) {
  DIR* d = opendir(dir.c_str());
  if (!d) return false;
  bool any = false;
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] != '.') {
      any = true;
      break;
    }
  }
  closedir(d);
  return any;
}

Code mountedCheck(const std::string& path, const struct stat& st, std::string* message) {
  std::ifstream mi("/proc/self/mountinfo");
  std::string line;
  std::vector<dev_t> devs = S_ISBLK(st.st_mode) ? selfAndPartitions(st.st_rdev) : std::vector<dev_t>{};
  while (std::getline(mi, line)) {
    // "36 35 98:0 /mnt1 /mnt/parent rw,noatime master:1 - ext3 /dev/root rw": field 3 is major:minor.
    std::istringstream f(line);
    std::string id, parent, mm, root, point;
    f >> id >> parent >> mm >> root >> point;
    unsigned ma, mi2;
    if (sscanf(mm.c_str(), "%u:%u", &ma, &mi2) != 2) continue;
    for (dev_t d : devs) {
      if (makedev(ma, mi2) == d) {
        *message = path + " is mounted (or one of its partitions is) at " + point + ": refusing to write over a filesystem";
        return Code::DeviceMounted;
      }
    }
  }
  if (S_ISBLK(st.st_mode) && dirHasEntries(sysBlockDir(st.st_rdev) + "/holders")) {
    *message = path + " is held by another block device (see " + sysBlockDir(st.st_rdev) + "/holders)";
    return Code::DeviceMounted;
  }
  return Code::Ok;
}

Code swapCheck(const std::string& path, const struct stat& st, std::string* message) {
  std::ifstream sw("/proc/swaps");
  std::string line;
  std::getline(sw, line);  // header
  while (std::getline(sw, line)) {
    std::istringstream f(line);
    std::string name;
    f >> name;
    struct stat s;
    if (name.empty() || stat(name.c_str(), &s) != 0) continue;
    bool same = S_ISBLK(st.st_mode) ? (S_ISBLK(s.st_mode) && s.st_rdev == st.st_rdev)
                                    : (s.st_dev == st.st_dev && s.st_ino == st.st_ino);
    if (same) {
      *message = path + " is active swap (" + name + " in /proc/swaps): refusing to write over it";
      return Code::DeviceSwapActive;
    }
  }
  return Code::Ok;
}

}  // namespace

std::string blockDeviceName(dev_t rdev) {
  char buf[PATH_MAX];
  ssize_t n = readlink(sysBlockDir(rdev).c_str(), buf, sizeof buf - 1);
  if (n <= 0) return "";
  buf[n] = 0;
  const char* slash = strrchr(buf, '/');
  return slash ? slash + 1 : buf;
}

Code checkNotInUse(const std::string& path, const struct stat& st, std::string* message) {
  Code c = swapCheck(path, st, message);
  if (c != Code::Ok) return c;
  return mountedCheck(path, st, message);
}

}  // namespace frontswap
