// tutorials/exercises/sandbox/landlock.h: what files a runner may read.
//
// seccomp (seccomp_filter.h) sees a system call's number and arguments but
// not the path a pointer points at, so it cannot tell /usr/lib from the
// gradebook. Landlock (Linux 5.13 and later) can: an unprivileged process
// restricts itself, for good, to some folders. A runner keeps read access to
// the system's folders (/usr, /lib, /etc, /proc, /sys, /dev: what the C and C++
// libraries may read at run time) and loses the rest: the repository, the
// answers, the other hand-ins, the gradebook, /tmp, /home. Its inputs come on
// stdin, so it needs no file of the course.
#pragma once

namespace sandbox::landlock {

// Applies the restriction to the calling thread and every thread it starts.
// Returns false (nothing applied) where the kernel has no Landlock.
bool restrict_to_system_folders();

}  // namespace sandbox::landlock
