// The fast padding kernels. Per padded dim, one table says which input cell
// each output cell reads (built once per call, region by region: the padding
// before, the run copied straight across, the padding after). A row of the
// last dim is then its two padded ends from the table and one memcpy of the
// run in between; the rows of the output are independent, so threads share
// them.
//
// Shape legend (as pad.h): P planes, k padded dims, n_d in, m_d out.
#include "core/kernels/pad.h"

#include <algorithm>
#include <cstring>

#include "core/kernels/parallel.h"

namespace ag {

namespace {

constexpr int64_t kFill = -1;  // a table entry for the constant mode's fill

// a mod b in [0, b), also for a negative a (C++'s % keeps a's sign)
int64_t wrap(int64_t a, int64_t b) { return ((a % b) + b) % b; }

// One padded dim: which cells of the output are the run copied from the
// input, [run_begin, run_end), and which input cell each output cell reads.
struct DimTable {
  int64_t run_begin = 0, run_end = 0;
  int64_t before = 0;           // run cell o reads input cell o - before
  std::vector<int64_t> source;  // m entries; kFill where the constant mode fills
};

// The run is where o - before lands inside the input: cells [before, m - after),
// cut to [0, m) when a pad is negative (the crop moves the run to the edge).
DimTable dim_table(PadMode mode, int64_t n, int64_t before, int64_t after) {
  const int64_t m = n + before + after;
  DimTable t;
  t.before = before;
  t.run_begin = std::clamp<int64_t>(before, 0, m);
  t.run_end = std::clamp<int64_t>(m - std::max<int64_t>(after, 0), t.run_begin, m);
  t.source.resize(static_cast<size_t>(m));
  for (int64_t o = t.run_begin; o < t.run_end; ++o) t.source[o] = o - before;
  // The ring of circular padding is the run itself: the cells the crops keep.
  const int64_t ring = t.run_end - t.run_begin, ring_first = t.run_begin - before;
  // The source of a padded cell o, before the run or after it.
  auto padding_source = [&](int64_t o, bool is_before) -> int64_t {
    switch (mode) {
      case PadMode::Constant:
        return kFill;
      case PadMode::Reflect:
        return is_before ? before - o : 2 * (n - 1) - (o - before);
      case PadMode::Replicate:
        return is_before ? 0 : n - 1;
      case PadMode::Circular:
        return ring_first + wrap(o - t.run_begin, ring);
    }
    return kFill;
  };
  for (int64_t o = 0; o < t.run_begin; ++o) t.source[o] = padding_source(o, true);
  for (int64_t o = t.run_end; o < m; ++o) t.source[o] = padding_source(o, false);
  return t;
}

// Everything the row loops share: the tables and the sizes of one plane.
struct PadPlan {
  std::vector<DimTable> dims;
  std::vector<int64_t> in_stride;  // input cells between neighbours along padded dim d
  int64_t in_plane = 1, out_plane = 1;
  int64_t rows_per_plane = 1;  // output rows of the last dim in one plane
  int64_t row = 1;             // m of the last dim
};

PadPlan make_plan(const PadGeometry& g) {
  PadPlan plan;
  const size_t k = g.in_sizes.size();
  plan.in_stride.assign(k, 1);
  for (size_t d = k; d-- > 0;) {
    plan.in_stride[d] = plan.in_plane;
    plan.in_plane *= g.in_sizes[d];
    plan.out_plane *= g.out_sizes[d];
  }
  for (size_t d = 0; d < k; ++d)
    plan.dims.push_back(dim_table(g.mode, g.in_sizes[d], g.before[d], g.after[d]));
  plan.row = g.out_sizes[k - 1];
  for (size_t d = 0; d + 1 < k; ++d) plan.rows_per_plane *= g.out_sizes[d];
  return plan;
}

// Output row r (over all planes) reads the input row that starts at the
// returned offset, or none (-1) when some outer dim of it is the constant fill.
int64_t source_row(const PadPlan& plan, int64_t r) {
  const int64_t plane = r / plan.rows_per_plane;
  int64_t rest = r % plan.rows_per_plane, offset = plane * plan.in_plane;
  for (size_t d = plan.dims.size() - 1; d-- > 0;) {  // the outer dims, innermost first
    const int64_t m = static_cast<int64_t>(plan.dims[d].source.size());
    const int64_t source = plan.dims[d].source[rest % m];
    rest /= m;
    if (source == kFill) return kFill;
    offset += source * plan.in_stride[d];
  }
  return offset;
}

}  // namespace

void pad_forward(const PadGeometry& g, const float* x, float* out) {
  const PadPlan plan = make_plan(g);
  if (g.planes == 0 || plan.out_plane == 0) return;
  const DimTable& last = plan.dims.back();
  const int64_t rows = g.planes * plan.rows_per_plane;
  const int64_t grain = std::max<int64_t>(1, 16384 / plan.row);
  parallel_for(0, rows, grain, [&](int64_t lo, int64_t hi) {
    for (int64_t r = lo; r < hi; ++r) {
      float* out_row = out + r * plan.row;
      const int64_t offset = source_row(plan, r);
      if (offset == kFill) {
        std::fill(out_row, out_row + plan.row, g.value);
        continue;
      }
      const float* x_row = x + offset;
      auto edge = [&](int64_t o) {
        const int64_t source = last.source[o];
        out_row[o] = source == kFill ? g.value : x_row[source];
      };
      for (int64_t o = 0; o < last.run_begin; ++o) edge(o);
      if (last.run_end > last.run_begin)
        std::memcpy(out_row + last.run_begin, x_row + (last.run_begin - last.before),
                    sizeof(float) * static_cast<size_t>(last.run_end - last.run_begin));
      for (int64_t o = last.run_end; o < plan.row; ++o) edge(o);
    }
  });
}

// Rows of one plane may share a source row (reflect and replicate read an
// edge row several times), so threads split planes, never rows: each adds
// into its own planes of dx only, in a fixed order (bit-identical results).
void pad_backward(const PadGeometry& g, const float* dout, float* dx) {
  const PadPlan plan = make_plan(g);
  const int64_t grain = std::max<int64_t>(1, 16384 / std::max<int64_t>(1, plan.out_plane));
  parallel_for(0, g.planes, grain, [&](int64_t lo, int64_t hi) {
    std::fill(dx + lo * plan.in_plane, dx + hi * plan.in_plane, 0.0f);
    if (plan.out_plane == 0) return;  // nothing flows back: all zeros
    const DimTable& last = plan.dims.back();
    for (int64_t r = lo * plan.rows_per_plane; r < hi * plan.rows_per_plane; ++r) {
      const int64_t offset = source_row(plan, r);
      if (offset == kFill) continue;  // a row of pure fill came from no input
      const float* dout_row = dout + r * plan.row;
      float* dx_row = dx + offset;
      auto edge = [&](int64_t o) {
        if (last.source[o] != kFill) dx_row[last.source[o]] += dout_row[o];
      };
      for (int64_t o = 0; o < last.run_begin; ++o) edge(o);
      for (int64_t o = last.run_begin; o < last.run_end; ++o)
        dx_row[o - last.before] += dout_row[o];
      for (int64_t o = last.run_end; o < plan.row; ++o) edge(o);
    }
  });
}

}  // namespace ag
