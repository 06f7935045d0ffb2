// core/io/atomic_file.cpp: POSIX open/write/fsync/rename, with cleanup on every error path.
#include "core/io/atomic_file.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "core/error.h"

namespace ag::io {

namespace {

[[noreturn]] void fail_errno(const char* op, const std::string& path, const char* step, int err) {
  fail(op, ": cannot ", step, " '", path, "': ", std::strerror(err));
}

// The directory holding path ("." for a bare file name), to fsync after rename.
std::string parent_directory(const std::string& path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

// write(2) may write fewer bytes than asked, or be interrupted by a signal;
// loop until everything is written. Returns 0 or the errno of the failure.
int write_all(int fd, std::string_view bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    done += static_cast<size_t>(n);
  }
  return 0;
}

// The pid in "<name>.tmp.<pid>", or 0 if file_name is not a temp file of name.
long temp_file_pid(const std::string& file_name, const std::string& name) {
  const std::string prefix = name + ".tmp.";
  if (file_name.size() <= prefix.size() || file_name.compare(0, prefix.size(), prefix) != 0)
    return 0;
  long pid = 0;
  for (size_t i = prefix.size(); i < file_name.size(); ++i) {
    const char c = file_name[i];
    if (c < '0' || c > '9' || pid > 100000000) return 0;  // digits only, and a plausible pid
    pid = pid * 10 + (c - '0');
  }
  return pid;
}

// A process killed while writing (kill -9, power cut) leaves its temp file
// behind: 15 MB per checkpoint, forever. Before each save, remove the temp
// files of this same path whose process no longer exists (kill(pid, 0) says
// ESRCH). A live process's file is left alone, and so is anything else in
// the folder. Best effort: a failure here must not stop the save.
// (A pid from another pid namespace sharing the folder looks dead from here;
// two containers saving the same path at once are not supported.)
void remove_stale_temp_files(const std::string& path) {
  namespace fs = std::filesystem;
  const std::string name = fs::path(path).filename().string();
  std::error_code ec;
  for (fs::directory_iterator it(parent_directory(path), ec), end; !ec && it != end;
       it.increment(ec)) {
    const long pid = temp_file_pid(it->path().filename().string(), name);
    if (pid <= 0 || pid == static_cast<long>(::getpid())) continue;
    if (::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) {
      std::error_code ignored;
      fs::remove(it->path(), ignored);
    }
  }
}

}  // namespace

std::string atomic_temp_path(const std::string& path) {
  return path + ".tmp." + std::to_string(static_cast<long>(::getpid()));
}

void write_file_atomic(const std::string& path, std::string_view bytes) {
  const char* op = "write_file_atomic";
  if (path.empty()) fail(op, ": empty path");
  const std::string temp = atomic_temp_path(path);
  remove_stale_temp_files(path);

  // 0666 minus the umask: the same permissions a plain fopen(path, "w") would give.
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0) fail_errno(op, temp, "create temporary file", errno);

  // From here on every failure must close and remove the temp file before throwing.
  auto abandon = [&](const char* step, const std::string& named, int err) {
    if (fd >= 0) ::close(fd);
    ::unlink(temp.c_str());
    fail_errno(op, named, step, err);
  };

  if (int err = write_all(fd, bytes)) abandon("write", temp, err);
  if (::fsync(fd) != 0) abandon("fsync", temp, errno);
  int closed = ::close(fd);
  fd = -1;
  if (closed != 0) abandon("close", temp, errno);  // NFS, for one, reports write errors only here
  if (::rename(temp.c_str(), path.c_str()) != 0)
    abandon("rename the temporary file over", path, errno);

  // Make the rename durable. Best effort: the new file is already in place and
  // complete, and some file systems do not allow fsync on a directory.
  int dir = ::open(parent_directory(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
}

std::string read_file(const std::string& path) {
  const char* op = "read_file";
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail_errno(op, path, "open", errno);
  struct stat info {};
  if (::fstat(fd, &info) != 0) {
    int err = errno;
    ::close(fd);
    fail_errno(op, path, "stat", err);
  }
  if (S_ISDIR(info.st_mode)) {
    ::close(fd);
    fail_errno(op, path, "read", EISDIR);
  }
  // Read until end of file rather than trusting st_size (pipes, /proc files,
  // a file that changes while we read); st_size only sizes the first chunk.
  std::string bytes;
  bytes.reserve(info.st_size > 0 ? static_cast<size_t>(info.st_size) : 0);
  char chunk[1 << 16];
  while (true) {
    ssize_t n = ::read(fd, chunk, sizeof(chunk));
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      fail_errno(op, path, "read", err);
    }
    if (n == 0) break;
    bytes.append(chunk, static_cast<size_t>(n));
  }
  ::close(fd);
  return bytes;
}

}  // namespace ag::io
