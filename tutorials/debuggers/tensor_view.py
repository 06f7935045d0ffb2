# tutorials/debuggers/tensor_view.py: what gdb's printer and lldb's formatter share.
#
# Both debuggers show a tensor the same way: one summary line (name, shape,
# the op that made it, the first values), a few rows for `p`, every row for
# `ag-print`, and <uninitialised> / <undefined> instead of an error. Only the
# way they reach a field or read memory differs, so this module takes that as
# an object of six small methods and imports neither gdb nor lldb:
#
#   impl.shape()          (address, rank) of the shape's int64s: vector_span(...)
#   impl.name()           the tensor's name, a str
#   impl.storage()        None (no storage), or (address, count) of its floats
#   impl.requires_grad()  a bool
#   impl.op()             "" (no grad_fn), or the backward node's op name
#   impl.read(address, size)  size bytes of the program's memory
#
# tutorials/gdb/attograd_gdb.py and tutorials/lldb/attograd_lldb.py each
# write that object for their debugger (and their standard libraries'
# layouts); every check of a half-built object and every printed character
# is here, once.
import struct

SUMMARY_VALUES = 4  # values in the one-line summary
MAX_VALUES = 8      # values per row, and rows, that `p` shows before "..."
MAX_RANK = 8        # sanity limits: a garbage TensorImpl fails these checks
MAX_DIM = 1 << 31
MAX_NUMEL = 1 << 34
MAX_NAME = 4096

# What reading a half-built object can raise, besides the debugger's own errors.
DECODE_ERRORS = (OverflowError, ValueError, UnicodeDecodeError, struct.error)


class Garbage(Exception):
    """The memory does not hold a constructed tensor."""


def checked_pointer(address):
    """A pointer's address, checked for alignment (garbage is often odd)."""
    if address % 8 != 0:
        raise Garbage()
    return address


def vector_span(start, finish, item_size, end_of_storage=None):
    """(address of the first item, item count) of a std::vector's three (or,
    without the capacity, two) pointers, validated."""
    if start == 0 and finish == 0 and not end_of_storage:
        return 0, 0
    end = finish if end_of_storage is None else end_of_storage
    if not (0 < start <= finish <= end) or (finish - start) % item_size:
        raise Garbage()
    return start, (finish - start) // item_size


def checked_name_length(length):
    if length < 0 or length > MAX_NAME:
        raise Garbage()
    return length


def float_buffer_span(start, count):
    """(address of the first float, float count) of an ag::FloatBuffer (its
    data_ and size_, core/allocator.h), validated."""
    if start == 0 and count == 0:
        return 0, 0
    # (the allocator's blocks are 64-byte aligned)
    if start == 0 or start % 64 or not 0 < count <= MAX_NUMEL:
        raise Garbage()
    return start, count


def op_from_vtable(class_name):
    """"ag::SoftmaxBackward" (the class whose vtable a node points into) as the
    op name the printers show: SoftmaxBackward. The tensor-by-number variants
    (DivScalarBackward, for scores / 2) show as their op, as Node::name() and
    graph drawings name them."""
    for prefix in ("ag::(anonymous namespace)::", "(anonymous namespace)::", "ag::"):
        class_name = class_name.replace(prefix, "")
    return class_name.replace("ScalarBackward", "Backward")


def number(v):
    return "%.4f" % v


class TensorView:
    """What a TensorImpl holds, read once (through `impl`) and checked."""

    def __init__(self, impl):
        self.impl = impl
        start, rank = impl.shape()
        if rank > MAX_RANK:
            raise Garbage()
        self.shape = list(struct.unpack("<%dq" % rank, impl.read(start, 8 * rank))) if rank else []
        self.numel = 1
        for d in self.shape:
            if d < 0 or d > MAX_DIM:
                raise Garbage()
            self.numel *= d
        if self.numel > MAX_NUMEL:
            raise Garbage()
        self.name = impl.name()
        self.data = None  # address of the floats, when there is storage enough
        self.problem = ""
        storage = impl.storage()
        if storage is None:
            self.problem = "(no storage)"
        else:
            data, count = float_buffer_span(*storage)
            if count < self.numel:
                self.problem = "(storage too small: %d < %d)" % (count, self.numel)
            else:
                self.data = data
        self.requires_grad = impl.requires_grad()
        self.op = impl.op()

    def values(self, first, count):
        """`count` floats from flat index `first`."""
        count = max(0, min(count, self.numel - first))
        if self.data is None or count == 0:
            return []
        return list(struct.unpack("<%df" % count, self.impl.read(self.data + 4 * first, 4 * count)))

    def header(self):
        text = 'Tensor "%s" ' % self.name if self.name else "Tensor "
        text += "[" + ", ".join(str(s) for s in self.shape) + "]"
        if self.op:
            text += " grad_fn=" + self.op
        elif self.requires_grad:
            text += " requires_grad"
        return text

    def summary(self):
        if self.problem:
            return self.header() + " " + self.problem
        shown = self.values(0, SUMMARY_VALUES)
        more = ", ..." if self.numel > len(shown) else ""
        return self.header() + " [" + ", ".join(number(v) for v in shown) + more + "]"

    def row_length(self):
        return self.shape[-1] if self.shape else 1

    def rows(self):
        """Number of rows: every dimension but the last, flattened."""
        n = self.row_length()
        return self.numel // n if n else 0

    def shown_rows(self):
        """How many rows `p` shows under the summary line: none for a tensor
        the summary already shows whole, or one of rank < 2."""
        if self.data is None or self.numel <= SUMMARY_VALUES or len(self.shape) < 2:
            return 0
        return min(self.rows(), MAX_VALUES)

    def row_label(self, r):
        index, rest = [], r
        for size in reversed(self.shape[:-1]):
            index.append(rest % size)
            rest //= size
        return "[" + ", ".join(str(i) for i in reversed(index)) + "]"

    def row_text(self, r, limit):
        n = self.row_length()
        shown = self.values(r * n, min(n, limit))
        more = ", ..." if n > len(shown) else ""
        return "[" + ", ".join(number(v) for v in shown) + more + "]"

    def nested(self, limit_rows):
        """ag-print's text: the header, then every row (at most limit_rows)."""
        if self.data is None:
            return self.header() + "\n" + self.problem
        if not self.shape:
            return self.header() + "\n" + number(self.values(0, 1)[0])
        lines = [self.header()]
        rows = self.rows() if limit_rows is None else min(self.rows(), limit_rows)
        for r in range(rows):
            lines.append(self.row_label(r) + " " + self.row_text(r, self.row_length()))
        if rows < self.rows():
            lines.append("... %d more rows" % (self.rows() - rows))
        return "\n".join(lines)


class UsageError(Exception):
    pass


AG_PRINT_HELP = """ag-print EXPRESSION [ROWS]: print a tensor with all of its values.

Each row (the last dimension) on its own line, labelled by its index over the
other dimensions, 4 decimals. With ROWS, only the first ROWS rows."""


def ag_print_arguments(argument):
    """(expression, rows or None) of ag-print's argument."""
    words = argument.split()
    if not words:
        raise UsageError("usage: ag-print EXPRESSION [ROWS]")
    limit = None
    if len(words) > 1 and words[-1].isdigit():
        limit = int(words[-1])
        words = words[:-1]
    return " ".join(words), limit
