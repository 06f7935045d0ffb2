// A cheat: code that runs before the sandbox would. A constructor with a
// priority (constructor(101), or a static object with init_priority) goes
// into .init_array.00101, and an entry of .preinit_array runs before every
// constructor, the sandbox's own included; an IFUNC's resolver runs inside
// the dynamic loader. The object check (readelf) refuses all three before
// anything is linked: "forbidden code".
#include <cstdio>

#include "tutorials/exercises/softmax_backward.h"

namespace {

__attribute__((constructor(101))) void first_of_all() { std::puts("before the sandbox"); }

void even_earlier(int, char**, char**) { std::puts("before every constructor"); }
__attribute__((section(".preinit_array"), used)) void (*const early)(int, char**,
                                                                     char**) = even_earlier;

}  // namespace

extern "C" {
static int real_answer() { return 42; }
int (*pick_answer())() { return &real_answer; }  // (not static: clang would mangle it)
int answer() __attribute__((ifunc("pick_answer")));
}

namespace ex {

void softmax_backward(const float* y, const float* dy, float* dx, int64_t rows, int64_t cols) {
  for (int64_t i = 0; i < rows * cols; ++i) dx[i] = y[i] * dy[i];
}

}  // namespace ex
