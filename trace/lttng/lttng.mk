# libhakmem-lttng.so: the `hakmem` LTTng-UST tracepoint provider (trace/lttng/).
# Included by the top-level Makefile; uses its BUILD, CC, Q and msg. It is a separate
# library so that libhakmem never depends on lttng-ust: trace/lttng_loader.c (part of
# every libhakmem variant) dlopen()s it when HAKMEM_LTTNG=1.

LTTNG_LIB  := $(BUILD)/lib/libhakmem-lttng.so
LTTNG_SRCS := trace/lttng/hakmem_tp.c trace/lttng/hakmem_lttng_api.c
LTTNG_OBJS := $(patsubst %.c,$(BUILD)/obj/lttng/%.o,$(LTTNG_SRCS))
LTTNG_DEPS := $(wildcard trace/lttng/*.h) trace/events.def trace/event.h trace/htrace_format.h
# Not the allocator's flags: this code runs on top of malloc like any application code.
# Hidden by default so that only the API of hakmem_lttng_api.h is exported.
LTTNG_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Wshadow -Wmissing-prototypes -fPIC \
	-fvisibility=hidden -D_GNU_SOURCE -I. $(EXTRA_CFLAGS)
LTTNG_LDLIBS := -llttng-ust -ldl

all: $(LTTNG_LIB)

$(BUILD)/obj/lttng/%.o: %.c $(LTTNG_DEPS)
	$(call msg,CC,$@)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(LTTNG_CFLAGS) -c $< -o $@

$(LTTNG_LIB): $(LTTNG_OBJS)
	$(call msg,LD,$@)
	@mkdir -p $(dir $@)
	$(Q)$(CC) -shared -Wl,-soname,libhakmem-lttng.so -Wl,-z,now -Wl,--no-undefined \
		-o $@ $^ $(LTTNG_LDLIBS)

# The LTTng test programs (built by the tests rule) use the event schema and the
# provider's API header.
LTTNG_TEST_BINS := $(patsubst tests/%.c,$(BUILD)/tests/%,$(wildcard tests/trace/lttng_*.c))
$(LTTNG_TEST_BINS): TEST_CFLAGS += -I.
$(LTTNG_TEST_BINS): $(LTTNG_DEPS)
