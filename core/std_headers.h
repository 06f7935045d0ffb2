// core/std_headers.h: the standard headers that nearly every attograd file
// includes, compiled once per build into a g++ precompiled header
// (build/pch/, see the Makefile). Parsing them is about half of the time of
// compiling a typical file here, so this halves a build from an empty build/.
//
// It is a build-speed device only, never a substitute for a file's own
// #includes: clang builds do not use it, so a file that forgets one of these
// fails there. Only standard headers belong here: a project header in it
// would make every object depend on that header. (No #pragma once: g++
// compiles it as a main file, where that pragma only draws a warning.)

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <limits>
#include <memory>
#include <sstream>
#include <string>
#include <vector>
