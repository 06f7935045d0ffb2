# mk/tools.mk: looking at the build and the code.
#
#   make debug      -O0 -g build into build/debug (for gdb), tests included
#   make asan       ASan + UBSan build into build/asan, runs the whole suite
#   make gdb T=02   debug build of tutorial 02, opened in gdb with tensor pretty-printing
#   make lldb T=02  the same in lldb (macOS's debugger), with attograd's formatter
#   make bench      speed benchmarks (GFLOP/s, ms)
#   make lines      lines per room, the largest files, how many are over budget
#   make lint       fails on a file over 400 lines or a line over 100 columns (mk/lint.sh)
#   make check-not-linux   the files with #ifdef __linux__ compile with it false (macOS's branches)
#   make compile_commands.json   for clangd / VS Code navigation
#   make help       this list

.PHONY: debug asan gdb lldb bench lines lint check-not-linux help compile_commands.json

debug:
	$(MAKE) MODE=debug all

ASAN_BUILD := $(call build_dir,asan)
# The whole suite, the grading suites included (their runners, sanitized too,
# get detect_leaks=0 from the launcher: tutorials/exercises/sandbox/README.md).
# As in make test, the class piles (make test-grading) are left out: under
# the sanitizers every hand-in of them compiles for seconds. The cases that
# grade hand-ins through grade-all skip here and say why (a sanitized
# object carries ASan's prioritised module constructor, which the grading
# tool refuses as forbidden code); make test runs them.
asan:
	$(MAKE) MODE=asan $(ASAN_BUILD)/tests $(ASAN_BUILD)/make_page
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
	  ./$(ASAN_BUILD)/tests $(TEST_ARGS)

# Step through a tutorial in gdb with attograd's pretty-printers loaded:
#  (make gdb T=02, then e.g.  break tut::step_scores / run / p scores)
# Without T (or with an unknown one) it says so and builds nothing.
GDB_PROGRAM := $(if $(TUT_ONE),$(call build_dir,debug)/tutorials/$(notdir $(TUT_ONE)))
gdb:
	@test -n "$(GDB_PROGRAM)" || { echo "usage: make gdb T=NN  (NN one of $(TUT_NUMBERS))"; exit 1; }
	$(MAKE) MODE=debug $(GDB_PROGRAM)
	gdb -q -x tutorials/gdb/attograd_gdb.py $(GDB_PROGRAM)

# The same in lldb. Debian's lldb-14 looks for its Python module in a folder
# that python3-lldb-14 leaves empty (`lldb -P` names it): PYTHONPATH points
# at the real one then (tests/tutorials/test_lldb.cpp does the same).
LLDB_PYTHON = $(strip $(if $(wildcard $(shell lldb -P 2>/dev/null)/lldb/embedded_interpreter.py),,\
  $(patsubst %/lldb/embedded_interpreter.py,%,$(firstword $(wildcard /usr/lib/llvm-*/lib/python3*/dist-packages/lldb/embedded_interpreter.py)))))
lldb:
	@test -n "$(GDB_PROGRAM)" || { echo "usage: make lldb T=NN  (NN one of $(TUT_NUMBERS))"; exit 1; }
	@command -v lldb >/dev/null || { echo "lldb is missing: sudo apt-get install -y lldb python3-lldb-14 (macOS: xcode-select --install)"; exit 1; }
	$(MAKE) MODE=debug $(GDB_PROGRAM)
	$(if $(LLDB_PYTHON),PYTHONPATH=$(LLDB_PYTHON) )lldb -o "command script import tutorials/lldb/attograd_lldb.py" $(GDB_PROGRAM)

bench: $(BENCH_BINS)
	@for b in $(BENCH_BINS); do echo "== $$b"; ./$$b || exit 1; done

# The house keeps files small (a student reads one in a sitting): lines per
# room, the largest files, and how many break mk/lint.sh's budget.
lines:
	@for room in core nn optim data tutorials tests; do \
	  printf "%-10s %6s lines\n" $$room "$$(find $$room -name '*.cpp' -o -name '*.h' | xargs cat 2>/dev/null | wc -l)"; done
	@echo "largest files:"; find core nn optim data tutorials tests -name '*.cpp' -o -name '*.h' | xargs wc -l | sort -rn | sed -n '2,9p'
	@echo "over budget: $$(sh mk/lint.sh | grep -c ' lines (budget ') files (make lint lists them)"

lint:
	@sh mk/lint.sh

# The other half of tests/house/test_portable_sources.cpp's fence rule: the
# branches a Mac compiles (#else of #ifdef __linux__) compile too, with no
# warning. Each file that names __linux__ is checked with the compiler's
# Linux macros undefined (against this system's headers: a Mac's differ,
# so this proves the branches are C++ that compiles, not that macOS has every
# call they make). A few seconds; .ci/run runs it.
NOT_LINUX_FILES = $(shell grep -l __linux__ $(sort $(wildcard core/*.cpp core/*/*.cpp nn/*.cpp   data/*.cpp tests/*/*.cpp tutorials/*/*.cpp tutorials/*/*/*.cpp tutorials/*/*/*/*.cpp)))
check-not-linux:
	@for f in $(NOT_LINUX_FILES); do \
	  $(CXX) $(filter-out -MMD -MP,$(TEST_CXXFLAGS)) -fsyntax-only -Werror \
	    -U__linux__ -U__linux -Ulinux -U__gnu_linux__ $$f || { echo "check-not-linux: $$f"; exit 1; }; \
	done; echo "check-not-linux: $(words $(NOT_LINUX_FILES)) files compile with __linux__ undefined"

# The list above: every "#   make ..." line of the Makefile and of mk/*.mk.
help:
	@sed -n 's/^#   make/make/p' Makefile $(filter mk/%,$(MAKEFILE_LIST))

# clangd / VS Code: one entry per source file, with the flags this Makefile
# compiles it with (no bear needed). Not used by the build or the tests.
compile_commands.json:
	@{ echo "["; first=1; \
	  for f in $(LIB_SRCS) $(TEST_SRCS) $(BENCH_SRCS) $(TUT_SRCS) $(TUT_LIB) $(wildcard tutorials/train.cpp tutorials/exercises/*.cpp tutorials/exercises/graders/*.cpp); do \
	    [ $$first = 1 ] || echo ","; first=0; \
	    printf '  {"directory": "%s", "file": "%s", "command": "%s %s -c %s"}' \
	      "$(CURDIR)" "$$f" "$(lastword $(CXX))" "$(filter-out -MMD -MP,$(LIB_CXXFLAGS))" "$$f"; \
	  done; echo; echo "]"; } > $@.tmp && mv $@.tmp $@
	@echo "wrote $@"
