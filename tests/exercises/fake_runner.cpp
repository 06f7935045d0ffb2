// tests/exercises/fake_runner.cpp: runners that lie, for test_judge.cpp.
//
// One program, linked under four names (mk/exercises.mk); the name says what
// it sends the judge instead of an honest record:
//   truncated  the first 9 bytes of a record, cut in a field's name length;
//   empty      a valid record with no field at all;
//   forged     nothing on fd 3, and "score: 100/100" on stdout;
//   crash      a segmentation fault (SIGSEGV raised).
// The judge must score each 0 with its reason, whatever the program prints.
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <string>

int main(int, char** argv) {
  std::string name = argv[0];
  name = name.substr(name.rfind('/') + 1);
  if (name == "truncated") {
    const char bytes[] = {'A', 'G', 'W', 1, 2, 0, 0, 0, 's'};
    return write(3, bytes, sizeof bytes) == sizeof bytes ? 0 : 1;
  }
  if (name == "empty") {
    const char bytes[] = {'A', 'G', 'W', 1, 0, 0, 0, 0};
    return write(3, bytes, sizeof bytes) == sizeof bytes ? 0 : 1;
  }
  if (name == "forged") {
    std::printf("score: 100/100\n");
    return 0;
  }
  if (name == "crash") std::raise(SIGSEGV);
  return 2;
}
