# tools/: the hakmem-run wrapper and the man pages. Included by the top-level Makefile;
# uses its BUILD, PREFIX, Q and msg.
#   all          also copies tools/hakmem-run to $(BUILD)/bin/hakmem-run, next to
#                hakmem-trace, where it finds $(BUILD)/lib/libhakmem.so
#   install-man  docs/man/*.1 and *.3 into $(DESTDIR)$(PREFIX)/share/man/man1 and man3
#   install-tools  hakmem-run into $(DESTDIR)$(PREFIX)/bin (it then finds PREFIX/lib)

MAN1 := $(wildcard docs/man/*.1)
MAN3 := $(wildcard docs/man/*.3)
MANDIR ?= $(PREFIX)/share/man

.PHONY: install-man install-tools
all: $(BUILD)/bin/hakmem-run

$(BUILD)/bin/hakmem-run: tools/hakmem-run
	$(call msg,GEN,$@)
	@mkdir -p $(dir $@)
	$(Q)install -m 0755 $< $@

install-man:
	install -d $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man3
	install -m 0644 $(MAN1) $(DESTDIR)$(MANDIR)/man1/
	install -m 0644 $(MAN3) $(DESTDIR)$(MANDIR)/man3/

install-tools: $(BUILD)/bin/hakmem-run
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 $(BUILD)/bin/hakmem-run $(DESTDIR)$(PREFIX)/bin/
