# hakmem: one set of sources, built as several variants (jemalloc-style object suffixes):
#   rt      level chosen at start-up (libhakmem.so, libhakmem.a)
#   l0..l4  level fixed at compile time (libhakmem-lN.so)
# Objects of variant V live in build/obj/V/. The interposing entry points (malloc, free, ...)
# come from the same file as hak_malloc & co., compiled once more with -DHAK_INTERPOSE.

CC      ?= gcc
BUILD   ?= build
PREFIX  ?= /usr/local
V       ?= 0

OPT      ?= -O2
WARN     := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes
CFLAGS_BASE := -std=gnu11 $(OPT) -g $(WARN) -fPIC -pthread -Iinclude -Isrc -I. \
	-fvisibility=hidden -fno-semantic-interposition -ftls-model=initial-exec \
	-fno-builtin-malloc -fno-builtin-free -fno-builtin-calloc -fno-builtin-realloc \
	-fno-stack-protector -fno-plt -D_GNU_SOURCE $(EXTRA_CFLAGS)
LDLIBS_LIB := -pthread
# Level 0 needs nothing beyond libc; the levels with stacks link libunwind.
LDLIBS_CHECKED := -pthread -lunwind

ifeq ($(V),0)
Q := @
msg = @printf '  %-6s %s\n' $(1) $(2);
else
Q :=
msg :=
endif

SRCS := $(sort $(shell find src integrity trace -name '*.c' -not -path 'trace/lttng/*'))
HDRS := $(shell find src include integrity trace -name '*.h' -o -name '*.def')
LEVELS := 0 1 2 3 4
VARIANTS := rt $(addprefix l,$(LEVELS)) inj

flags_rt := -DHAKMEM_RUNTIME_LEVEL
flags_inj := -DHAKMEM_RUNTIME_LEVEL -DHAKMEM_INJECT
$(foreach l,$(LEVELS),$(eval flags_l$(l) := -DHAKMEM_FIXED_LEVEL=$(l)))

objs = $(patsubst %.c,$(BUILD)/obj/$(1)/%.o,$(SRCS))
iobj = $(BUILD)/obj/$(1)/src/api/malloc.interpose.o

LIBS := $(BUILD)/lib/libhakmem.so $(BUILD)/lib/libhakmem.a $(BUILD)/lib/libhakmem-inject.so \
	$(foreach l,$(LEVELS),$(BUILD)/lib/libhakmem-l$(l).so)

.PHONY: all check deps bench bench-lttng install demo clean tests asan
all: $(LIBS) tests

# ---- library objects, one rule per variant ----
define variant_rules
$(BUILD)/obj/$(1)/%.o: %.c $(HDRS)
	$$(call msg,CC,$$@)
	@mkdir -p $$(dir $$@)
	$(Q)$$(CC) $$(CFLAGS_BASE) $$(flags_$(1)) -c $$< -o $$@
$(BUILD)/obj/$(1)/src/api/malloc.interpose.o: src/api/malloc.c $(HDRS)
	$$(call msg,CC,$$@)
	@mkdir -p $$(dir $$@)
	$(Q)$$(CC) $$(CFLAGS_BASE) $$(flags_$(1)) -DHAK_INTERPOSE -c $$< -o $$@
endef
$(foreach v,$(VARIANTS),$(eval $(call variant_rules,$(v))))

# A shared library takes every object of its variant but api/malloc.o, replaced by the
# interposing build of the same file.
solib_objs = $(filter-out $(BUILD)/obj/$(1)/src/api/malloc.o,$(call objs,$(1))) $(call iobj,$(1))

$(BUILD)/lib/libhakmem.so: $(call solib_objs,rt)
	$(call msg,LD,$@)
	@mkdir -p $(dir $@)
	$(Q)$(CC) -shared -Wl,-soname,libhakmem.so -Wl,-z,now -Wl,--no-undefined -o $@ $^ $(LDLIBS_CHECKED)

# The fault-injection build (tests only, never installed).
$(BUILD)/lib/libhakmem-inject.so: $(call solib_objs,inj)
	$(call msg,LD,$@)
	@mkdir -p $(dir $@)
	$(Q)$(CC) -shared -Wl,-soname,libhakmem-inject.so -Wl,-z,now -Wl,--no-undefined -o $@ $^ $(LDLIBS_CHECKED)

$(BUILD)/lib/libhakmem.a: $(call objs,rt)
	$(call msg,AR,$@)
	@mkdir -p $(dir $@)
	$(Q)rm -f $@ && ar rcs $@ $^

# Objects are never intermediate: keep them, so a second make rebuilds nothing.
.SECONDARY:
.SECONDEXPANSION:
$(BUILD)/lib/libhakmem-l%.so: $$(call solib_objs,l$$*)
	$(call msg,LD,$@)
	@mkdir -p $(dir $@)
	$(Q)$(CC) -shared -Wl,-soname,libhakmem-l$*.so -Wl,-z,now -Wl,--no-undefined -o $@ $^ $(if $(filter 0,$*),$(LDLIBS_LIB),$(LDLIBS_CHECKED))

# ---- parts with build rules of their own ----
-include trace/lttng/lttng.mk viewer/viewer.mk tests/integrity/integrity.mk tools/tools.mk

# ---- tests ----
TEST_CFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -pthread -D_GNU_SOURCE -Itests -Iinclude
UNIT_SRCS := $(filter-out %.so.c,$(wildcard tests/unit/*.c))
API_SRCS  := $(filter-out %.so.c,$(wildcard tests/*/*.c))
API_SRCS  := $(filter-out tests/unit/% tests/asan/%,$(API_SRCS))
TEST_SOS  := $(patsubst tests/%.so.c,$(BUILD)/tests/%.so,$(wildcard tests/*/*.so.c))
UNIT_BINS := $(patsubst tests/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))
API_BINS  := $(patsubst tests/%.c,$(BUILD)/tests/%,$(API_SRCS))

tests: $(UNIT_BINS) $(API_BINS) $(TEST_SOS)

$(BUILD)/tests/unit/%: tests/unit/%.c tests/harness.h $(BUILD)/lib/libhakmem.a $(HDRS)
	$(call msg,CC,$@)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(TEST_CFLAGS) -Isrc -I. -DHAKMEM_RUNTIME_LEVEL $< -o $@ $(BUILD)/lib/libhakmem.a -ldl -lunwind

$(BUILD)/tests/%.so: tests/%.so.c tests/harness.h
	$(call msg,CC,$@)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(TEST_CFLAGS) -fPIC -shared $< -o $@ -ldl

$(BUILD)/tests/%: tests/%.c tests/harness.h
	$(call msg,CC,$@)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(TEST_CFLAGS) $< -o $@ -ldl -lm

check: all asan
	@bash tests/run.sh $(T)

# ---- make asan: the allocator, its unit tests and the stress tests under ASan + UBSan ----
ASAN_DIR   := $(BUILD)/asan
ASAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer
ASAN_OBJS  := $(patsubst %.c,$(ASAN_DIR)/obj/%.o,$(filter-out src/api/malloc.interpose.c,$(SRCS)))
# (check_heap_poison writes into a freed block on purpose: under ASan that write is
# reported, as asan_poison checks)
ASAN_UNITS := $(patsubst tests/unit/%.c,$(ASAN_DIR)/unit_%,$(filter-out tests/unit/no_malloc.c tests/unit/check_heap_poison.c,$(UNIT_SRCS)))
ASAN_STRESS := $(patsubst %,$(ASAN_DIR)/api_%,stress_single stress_threads api_realloc api_calloc_reuse)
ASAN_BINS  := $(ASAN_UNITS) $(ASAN_STRESS) $(ASAN_DIR)/asan_poison

$(ASAN_DIR)/obj/%.o: %.c $(HDRS)
	$(call msg,CC,$@)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS_BASE) -DHAKMEM_RUNTIME_LEVEL $(ASAN_FLAGS) -c $< -o $@
$(ASAN_DIR)/libhakmem-asan.a: $(ASAN_OBJS)
	$(Q)rm -f $@ && ar rcs $@ $^
$(ASAN_DIR)/unit_%: tests/unit/%.c $(ASAN_DIR)/libhakmem-asan.a
	$(call msg,CC,$@)
	$(Q)$(CC) $(TEST_CFLAGS) -Isrc -I. -DHAKMEM_RUNTIME_LEVEL $(ASAN_FLAGS) $< -o $@ $(ASAN_DIR)/libhakmem-asan.a -ldl -lunwind
$(ASAN_DIR)/api_%: tests/api/%.c tests/asan/hak_names.h $(ASAN_DIR)/libhakmem-asan.a
	$(call msg,CC,$@)
	$(Q)$(CC) $(TEST_CFLAGS) -include tests/asan/hak_names.h $(ASAN_FLAGS) $< -o $@ $(ASAN_DIR)/libhakmem-asan.a -ldl -lunwind -lm
$(ASAN_DIR)/asan_poison: tests/asan/asan_poison.c $(ASAN_DIR)/libhakmem-asan.a
	$(call msg,CC,$@)
	$(Q)$(CC) $(TEST_CFLAGS) $(ASAN_FLAGS) $< -o $@ $(ASAN_DIR)/libhakmem-asan.a -ldl -lunwind
asan: $(ASAN_BINS)

# ---- benchmarks (never part of check) ----
BENCH_SRCS := $(wildcard bench/*.c)
BENCH_BINS := $(patsubst bench/%.c,$(BUILD)/bench/%,$(BENCH_SRCS))
$(BUILD)/bench/%: bench/%.c
	$(call msg,CC,$@)
	@mkdir -p $(dir $@)
	$(Q)$(CC) -std=gnu11 -O2 -g -Wall -Wextra -pthread -D_GNU_SOURCE $< -o $@ -lm
# The numbers of docs/PERFORMANCE.md: peers side by side, the cost of each level, and
# instructions per operation. bench-lttng: LTTng against glibc's LTTng libc wrapper.
bench: $(LIBS) $(BENCH_BINS)
	@ALLOCS="hakmem-l0 hakmem-rt0 glibc mimalloc jemalloc tcmalloc" bash bench/compare.sh
	@bash bench/levels.sh
	@bash bench/callgrind.sh
bench-lttng: all $(BENCH_BINS)
	@bash bench/lttng_compare.sh
bench-bins: $(BENCH_BINS)

# ---- set-up, install, demo ----
deps:
	@bash tools/install-deps.sh

install: $(LIBS) $(VIEWER_BIN) install-man install-tools
	install -d $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/bin
	install -m 0755 $(VIEWER_BIN) $(DESTDIR)$(PREFIX)/bin/
	install -m 0755 $(BUILD)/lib/libhakmem.so $(foreach l,$(LEVELS),$(BUILD)/lib/libhakmem-l$(l).so) $(LTTNG_LIB) $(DESTDIR)$(PREFIX)/lib/
	install -m 0644 $(BUILD)/lib/libhakmem.a $(DESTDIR)$(PREFIX)/lib/
	install -m 0644 include/hakmem.h $(DESTDIR)$(PREFIX)/include/

demo:
	@bash tools/install-deps.sh
	@$(MAKE) --no-print-directory all bench-bins
	@bash tools/demo.sh

clean:
	rm -rf $(BUILD)
