# tutorials/gdb/attograd_gdb.py: gdb pretty-printers and commands for attograd.
#
# With this loaded:
#   bt, breakpoints                one line per tensor: name, shape, the op that
#                                  made it, the first values
#       Tensor "scaled" [4, 4] grad_fn=DivBackward [0.1500, 0.2000, -0.0950, 0.0100, ...]
#   p scores, info locals          that line, then up to 8 rows of up to 8 values
#   ag-print scores [rows]         every value (or the first `rows` rows), 4 decimals
# A tensor that is not constructed yet (a local before its line ran) prints as
# <uninitialised>, a default-constructed one as <undefined>: the printer checks
# every pointer and size before it reads, and never lets an error escape.
#
# Load it with `make gdb T=02`, or add this line to ~/.gdbinit:
#     source /path/to/attograd/tutorials/gdb/attograd_gdb.py
# What is printed, and every check of a half-built tensor, is shared with
# lldb's formatter (tutorials/debuggers/tensor_view.py); this file only
# reaches the fields: libstdc++'s layouts of std::shared_ptr, std::vector and
# std::string (g++'s standard library, what this project builds with), and
# the two fields of attograd's FloatBuffer (core/allocator.h).
import os
import re
import sys

import gdb

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "debuggers"))
import tensor_view  # noqa: E402  (found through the line above)
from tensor_view import Garbage, TensorView  # noqa: E402

# Everything gdb can raise while reading a half-built object.
READ_ERRORS = (gdb.MemoryError, gdb.error, RuntimeError) + tensor_view.DECODE_ERRORS


def _pointer(value):
    return tensor_view.checked_pointer(int(value))


def _read(address, size):
    return bytes(gdb.selected_inferior().read_memory(address, size))


def _op_name(node_ptr):
    """The backward node's op name, read from its vtable pointer and the ELF
    symbol it points into ("vtable for ag::SoftmaxBackward"), so it works for
    a library built without -g too."""
    vptr = int(node_ptr.cast(gdb.lookup_type("unsigned long").pointer()).dereference())
    symbol = gdb.execute("info symbol 0x%x" % vptr, to_string=True)
    found = re.match(r"vtable for (.+?) \+ \d+ in section", symbol)
    return tensor_view.op_from_vtable(found.group(1)) if found else "?"


class GdbImpl:
    """A TensorImpl's fields as tensor_view.TensorView asks for them."""

    def __init__(self, impl):
        self.impl = impl

    def shape(self):
        v = self.impl["shape"]["_M_impl"]
        return tensor_view.vector_span(int(v["_M_start"]), int(v["_M_finish"]), 8,
                                       int(v["_M_end_of_storage"]))

    def name(self):
        s = self.impl["name"]
        length = tensor_view.checked_name_length(int(s["_M_string_length"]))
        if length == 0:
            return ""
        address = int(s["_M_dataplus"]["_M_p"])  # chars: any alignment
        if address == 0:
            raise Garbage()
        return _read(address, length).decode("utf-8")

    def storage(self):
        if _pointer(self.impl["storage"]["_M_ptr"]) == 0:
            return None
        buffer = self.impl["storage"]["_M_ptr"].dereference()["data"]
        return int(buffer["data_"]), int(buffer["size_"])

    def requires_grad(self):
        return bool(self.impl["requires_grad"])

    def op(self):
        grad_fn = self.impl["grad_fn"]["_M_ptr"]
        return _op_name(grad_fn) if _pointer(grad_fn) != 0 else ""

    def read(self, address, size):
        return _read(address, size)


def _view(tensor_value):
    """(TensorView or None, text to print instead)."""
    try:
        if _pointer(tensor_value["impl_"]["_M_ptr"]) == 0:
            return None, "Tensor <undefined>"
        return TensorView(GdbImpl(tensor_value["impl_"]["_M_ptr"].dereference())), ""
    except (Garbage,) + READ_ERRORS:
        return None, "Tensor <uninitialised>"


def _impl_view(impl_value):
    try:
        return TensorView(GdbImpl(impl_value)), ""
    except (Garbage,) + READ_ERRORS:
        return None, "TensorImpl <uninitialised>"


class TensorPrinter:
    """to_string is the one-line summary (all that bt and breakpoints show);
    `p` and `info locals` add up to MAX_VALUES rows as children."""

    def __init__(self, view, fallback):
        self.view = view
        self.fallback = fallback

    def to_string(self):
        if self.view is None:
            return self.fallback
        try:
            return self.view.summary()
        except READ_ERRORS:
            return "Tensor <uninitialised>"

    def children(self):
        view = self.view
        if view is None:
            return
        try:
            for r in range(view.shown_rows()):
                yield view.row_label(r), view.row_text(r, tensor_view.MAX_VALUES)
            if view.shown_rows() and view.rows() > tensor_view.MAX_VALUES:
                hidden = view.rows() - tensor_view.MAX_VALUES
                yield "...", "%d more rows: ag-print shows them" % hidden
        except READ_ERRORS:
            return


def _lookup(val):
    try:
        t = val.type.strip_typedefs()
        if t.code == gdb.TYPE_CODE_REF or t.code == gdb.TYPE_CODE_RVALUE_REF:
            t = t.target().strip_typedefs()
        name = t.unqualified().tag
    except READ_ERRORS:
        return None
    if name == "ag::Tensor":
        return TensorPrinter(*_view(val))
    if name == "ag::TensorImpl":
        return TensorPrinter(*_impl_view(val))
    return None


class AgPrint(gdb.Command):
    __doc__ = tensor_view.AG_PRINT_HELP

    def __init__(self):
        super().__init__("ag-print", gdb.COMMAND_DATA, gdb.COMPLETE_EXPRESSION)

    def invoke(self, argument, from_tty):
        try:
            expression, limit = tensor_view.ag_print_arguments(argument)
        except tensor_view.UsageError as usage:
            raise gdb.GdbError(str(usage))
        value = gdb.parse_and_eval(expression)
        if value.type.strip_typedefs().code == gdb.TYPE_CODE_PTR:
            value = value.dereference()
        printer = _lookup(value)
        if printer is None:
            raise gdb.GdbError("ag-print: %s is not an ag::Tensor" % expression)
        if printer.view is None:
            gdb.write(printer.fallback + "\n")
            return
        try:
            gdb.write(printer.view.nested(limit) + "\n")
        except READ_ERRORS:
            gdb.write("Tensor <uninitialised>\n")


# bt and breakpoint lines print arguments in gdb's "summary" mode (the default
# `set print frame-arguments scalars`): to_string's one line, then "= {...}"
# for the rows that `p` would show.
gdb.pretty_printers.append(_lookup)
AgPrint()
