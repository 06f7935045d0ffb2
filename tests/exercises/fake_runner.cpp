// tests/exercises/fake_runner.cpp: runners that lie, for test_judge.cpp.
//
// One program, linked under seven names (mk/exercises.mk); the name says what
// it sends the judge instead of an honest record:
//   truncated  the first 9 bytes of a record, cut in a field's name length;
//   empty      a valid record with no field at all;
//   forged     nothing on fd 3, and "score: 100/100" on stdout;
//   crash      a segmentation fault (SIGSEGV raised);
//   loop       nothing ever: an endless loop on every check;
//   replay     a record the suite prepared for exactly these inputs: the file
//              replay/HASH.out beside the program, HASH the FNV-1a hash of
//              stdin (test_wrong_outputs.cpp: a real runner's outputs, zeroed);
//   peek       opens its parent's memory, /proc/PPID/mem, for reading (the
//              expected values are in a judge's), and says on stdout whether
//              it could: "opened" or "refused: ...", no record.
// The judge must score each 0 with its reason, whatever the program prints.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
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
  if (name == "loop")
    for (volatile unsigned spin = 0;;) {  // volatile: the compiler may not drop the loop
      const unsigned next = spin + 1;     // (unsigned: wraps, no overflow)
      spin = next;
    }
  if (name == "peek") {
    const std::string memory = "/proc/" + std::to_string(getppid()) + "/mem";
    const int fd = open(memory.c_str(), O_RDONLY);
    if (fd >= 0)
      std::printf("opened %s\n", memory.c_str());
    else
      std::printf("refused: %s: %s\n", memory.c_str(), std::strerror(errno));
    return 0;
  }
  if (name == "replay") {
    const std::string input(std::istreambuf_iterator<char>(std::cin), {});
    uint64_t hash = 14695981039346656037ull;  // FNV-1a, 64 bits
    for (unsigned char c : input) hash = (hash ^ c) * 1099511628211ull;
    char file[32];
    std::snprintf(file, sizeof file, "%016llx.out", static_cast<unsigned long long>(hash));
    const std::string folder = std::string(argv[0]).substr(0, std::string(argv[0]).rfind('/'));
    std::ifstream answer(folder + "/replay/" + file, std::ios::binary);
    if (!answer) return 3;
    std::ostringstream bytes;
    bytes << answer.rdbuf();
    const std::string record = bytes.str();
    return write(3, record.data(), record.size()) == static_cast<ssize_t>(record.size()) ? 0 : 1;
  }
  return 2;
}
