// tutorials/exercises/sandbox/landlock.cpp: the runner's file access, limited to the system's
// folders.
//
// Linux only (elsewhere: false, nothing done). Three system calls, no library:
//   1. landlock_create_ruleset: which kinds of access the ruleset governs
//      ("handled"); every handled access not granted below is refused;
//   2. landlock_add_rule: for each folder, the accesses granted beneath it;
//   3. landlock_restrict_self: in force from now on, for this process and
//      every thread it starts; nothing can lift it.
// The kernel's Landlock ABI grows (v2: renaming across folders, v3: truncate,
// v5: device ioctls); the ruleset handles what this kernel knows.
#include "tutorials/exercises/sandbox/landlock.h"

#ifdef __linux__
#include <fcntl.h>
#include <linux/landlock.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdint>
#endif

namespace sandbox::landlock {

#if defined(__linux__) && defined(SYS_landlock_create_ruleset)

namespace {

// Access rights, as the kernel numbers them (older headers lack the later ones).
constexpr uint64_t kExecute = 1ull << 0, kReadFile = 1ull << 2, kReadDir = 1ull << 3;
constexpr uint64_t kAbi1 = (1ull << 13) - 1;  // execute ... make_sym: bits 0-12
constexpr uint64_t kRefer = 1ull << 13, kTruncate = 1ull << 14, kIoctlDev = 1ull << 15;

// Read-only, and only these: the dynamic loader is done by now, but the C and
// C++ libraries may still read (/etc/localtime, /sys/devices/system/cpu for
// the number of cores, /proc/self/maps, /dev/urandom, locale files in /usr).
const char* const kReadable[] = {"/usr", "/lib", "/lib64", "/etc", "/proc", "/sys", "/dev"};

}  // namespace

bool restrict_to_system_folders() {
  const long abi =
      syscall(SYS_landlock_create_ruleset, nullptr, 0, LANDLOCK_CREATE_RULESET_VERSION);
  if (abi < 1) return false;
  uint64_t handled = kAbi1;
  if (abi >= 2) handled |= kRefer;
  if (abi >= 3) handled |= kTruncate;
  if (abi >= 5) handled |= kIoctlDev;

  landlock_ruleset_attr ruleset{};
  ruleset.handled_access_fs = handled;
  const int ruleset_fd = int(syscall(SYS_landlock_create_ruleset, &ruleset, sizeof ruleset, 0));
  if (ruleset_fd < 0) return false;
  for (const char* folder : kReadable) {
    const int folder_fd = open(folder, O_PATH | O_CLOEXEC);
    if (folder_fd < 0) continue;  // no /lib64 here: nothing to grant
    landlock_path_beneath_attr rule{};
    rule.allowed_access = (kExecute | kReadFile | kReadDir) & handled;
    rule.parent_fd = folder_fd;
    syscall(SYS_landlock_add_rule, ruleset_fd, LANDLOCK_RULE_PATH_BENEATH, &rule, 0);
    close(folder_fd);
  }
  const bool applied = syscall(SYS_landlock_restrict_self, ruleset_fd, 0) == 0;
  close(ruleset_fd);
  return applied;
}

#else

bool restrict_to_system_folders() { return false; }

#endif

}  // namespace sandbox::landlock
