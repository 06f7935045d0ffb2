// core/io/safetensors.h: state dicts in Hugging Face's safetensors format.
//
// A .safetensors file is three parts, back to back:
//
//   [ N: 8 bytes, little-endian uint64 ][ N bytes of JSON header ][ data buffer ]
//
// The header is one JSON object with an entry per tensor, plus an optional
// "__metadata__" object of string -> string:
//
//   {"__metadata__":{"format":"pt"},
//    "fc.weight":{"dtype":"F32","shape":[4,3],"data_offsets":[0,48]}, ...}
//
// data_offsets [begin, end) are byte positions inside the data buffer (not
// the file), and end - begin must equal numel(shape) * sizeof(dtype). Tensor
// bytes are raw little-endian, row-major. The writer pads the header with
// spaces to a multiple of 8 bytes so the data buffer starts 8-byte aligned.
// There is no code in the file (unlike a pickled .pt), so loading an untrusted
// file is safe as long as the reader checks every number, which this one does.
//
// Writing: every tensor is stored as F32, except the names passed in
// int64_names, which are stored as I64. PyTorch needs that for BatchNorm's
// num_batches_tracked (an int64 scalar): load_state_dict refuses a float there.
// The I64 tensors are placed first in the data buffer so they stay 8-byte aligned.
//
// Reading: F32 as is; F64, F16, BF16, I64, I32, I16, I8, U64, U32, U16, U8 and
// BOOL are converted to float (so files written by PyTorch load). Any other
// dtype is an error. Every problem (file too short, header length past the
// end, malformed JSON, missing keys, wrong sizes, offsets out of bounds,
// duplicate names, trailing bytes after the last tensor) throws an ag::Error
// naming the file and the problem, before anything is returned: a load either
// gives the whole state dict or throws. The offsets may come in any order,
// but sorted they must tile the data buffer exactly, as the reference
// implementation requires: no two tensors share a byte (overlap), and no byte
// belongs to none (a gap, or trailing bytes); the error names both tensors.
//
// A small file must not cost a large amount of memory. The header may be at
// most kMaxSafetensorsHeader bytes (the format allows 100 MB; real headers are
// kilobytes: about 80 bytes per tensor), and it is checked against the schema
// while it is parsed: a tensor entry has exactly the keys dtype, shape and
// data_offsets (anything else is refused at its key, before its value is
// read), arrays hold at most kMaxSafetensorsRank numbers, and "__metadata__"
// holds only strings. Each entry is checked and kept as a small record as
// soon as it is parsed (the header's JSON tree is never held whole), and a
// file may hold at most kMaxSafetensorsTensors tensors: a loaded tensor costs
// about 1 KB however small it is, so without a bound a 10 MB file of 140,000
// one-float tensors took 296 MB. A real state dict has hundreds to a few
// thousand tensors (a 70B-parameter LLM: about 700).
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/tensor.h"

namespace ag::io {

constexpr uint64_t kMaxSafetensorsHeader = 16 << 20;  // 16 MiB
constexpr int64_t kMaxSafetensorsRank = 64;           // numbers in a shape
constexpr int64_t kMaxSafetensorsTensors = 1 << 16;   // tensors in one file

// name -> tensor, in a fixed order (the order of a state dict).
using TensorMap = std::vector<std::pair<std::string, Tensor>>;

struct SafetensorsFile {
  TensorMap tensors;                            // in the order of the header
  std::map<std::string, std::string> metadata;  // the "__metadata__" object, if any
  std::map<std::string, std::string> dtypes;    // name -> dtype in the file ("F32", "I64", ...)
};

// Write tensors (and metadata) to path atomically (see core/io/atomic_file.h).
// Names must be unique and not "__metadata__"; every name in int64_names must
// be a tensor whose values are all whole numbers in int64 range.
void save_safetensors(const std::string& path, const TensorMap& tensors,
                      const std::map<std::string, std::string>& metadata = {},
                      const std::set<std::string>& int64_names = {});

TensorMap load_safetensors(const std::string& path);
SafetensorsFile load_safetensors_file(const std::string& path);  // with metadata and dtypes

// The same, in memory: the exact bytes of a file, and their parse. source names
// the bytes in error messages (the path, for the file functions above).
std::string encode_safetensors(const TensorMap& tensors,
                               const std::map<std::string, std::string>& metadata = {},
                               const std::set<std::string>& int64_names = {});
SafetensorsFile decode_safetensors(std::string_view bytes, const std::string& source = "<memory>");

}  // namespace ag::io
