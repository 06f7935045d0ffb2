// core/io/atomic_file.h: whole-file reads, and writes that never leave half a file.
//
// Why atomic: a training run saves a checkpoint every few minutes. If the
// process dies (or the disk fills) halfway through writing model.safetensors
// over yesterday's copy, a plain write leaves neither the old nor the new
// checkpoint, just a truncated file. write_file_atomic instead
//   1. writes the bytes to "<path>.tmp.<pid>" in the same directory,
//   2. fsyncs it (the data is on disk before the name points at it),
//   3. renames it over <path> (rename within one file system is atomic:
//      readers see the old file or the new one, never a mixture),
//   4. fsyncs the directory (so the rename itself survives a power cut).
// On any failure the temp file is removed, the old file is untouched, and an
// ag::Error names the path, the step that failed and the system's reason.
//
// The temp name carries the process id so two processes saving the same path
// do not write into each other's temp file, and so that the next save can
// tell a dead process's leftover (kill -9 mid-write) from a live writer's:
// each save first removes "<path>.tmp.<pid>" files whose process is gone. Two threads of one
// process saving the same path at once are not supported (they would share a temp name).
#pragma once

#include <string>
#include <string_view>

namespace ag::io {

void write_file_atomic(const std::string& path, std::string_view bytes);

// The whole file as a byte string; ag::Error naming path and reason otherwise.
std::string read_file(const std::string& path);

// "<path>.tmp.<pid>": where write_file_atomic stages its bytes (tests look for leftovers).
std::string atomic_temp_path(const std::string& path);

}  // namespace ag::io
