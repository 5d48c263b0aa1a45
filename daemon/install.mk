# make install / make uninstall: the daemon, its systemd unit, its
# environment file, its man page, dbsync-check with its man page, and the
# PHP extension with its ini file.
#
#   make && sudo make install              into PREFIX (default /usr/local)
#   make install DESTDIR=/tmp/pkg          staged, e.g. for a package
#   sudo make uninstall                    removes what install put there
#
# Variables (all overridable on the command line):
#   PREFIX      /usr/local            SBINDIR  $(PREFIX)/sbin   BINDIR  $(PREFIX)/bin
#   SYSCONFDIR  /etc (even for /usr/local: systemd and operators look there)
#   UNITDIR     $(PREFIX)/lib/systemd/system (systemd reads /usr/local/lib/systemd/system too)
#   MANDIR      $(PREFIX)/share/man
#   PHP_CONFIG  php-config             PHP_INI_DIR  `php-config --ini-dir`
#
# The PHP extension is built (php-ext/php-ext.mk) and installed when phpize
# and php-config are present; it goes
# where PHP loads extensions from (`php-config --extension-dir`), under
# DESTDIR through phpize's INSTALL_ROOT. An existing
# $(SYSCONFDIR)/default/dbsyncd is never overwritten, and uninstall keeps it
# if it was edited.

SBINDIR ?= $(PREFIX)/sbin
BINDIR ?= $(PREFIX)/bin
SYSCONFDIR ?= /etc
UNITDIR ?= $(PREFIX)/lib/systemd/system
MANDIR ?= $(PREFIX)/share/man
INSTALL ?= install
PHP_CONFIG ?= $(shell command -v php-config 2>/dev/null)
PHP_INI_DIR ?= $(if $(PHP_CONFIG),$(shell $(PHP_CONFIG) --ini-dir 2>/dev/null))
PHP_EXT_DIR ?= $(if $(PHP_CONFIG),$(shell $(PHP_CONFIG) --extension-dir 2>/dev/null))
PHP_INI_NAME ?= 20-dbsync.ini

INSTALL_DAEMON_BIN := daemon/dbsyncd
INSTALLED_DEFAULT := $(DESTDIR)$(SYSCONFDIR)/default/dbsyncd

.PHONY: install-daemon install-php uninstall-daemon uninstall-php

install: install-daemon install-php

install-daemon: $(INSTALL_DAEMON_BIN) check/dbsync-check
	$(INSTALL) -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(UNITDIR) $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(SYSCONFDIR)/default
	$(INSTALL) -m 0755 $(INSTALL_DAEMON_BIN) $(DESTDIR)$(SBINDIR)/dbsyncd
	sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' daemon/dbsyncd.service \
		> $(DESTDIR)$(UNITDIR)/dbsyncd.service.tmp
	chmod 0644 $(DESTDIR)$(UNITDIR)/dbsyncd.service.tmp
	mv -f $(DESTDIR)$(UNITDIR)/dbsyncd.service.tmp $(DESTDIR)$(UNITDIR)/dbsyncd.service
	sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' -e 's|@UNITDIR@|$(UNITDIR)|g' \
		daemon/dbsyncd.8 > $(DESTDIR)$(MANDIR)/man8/dbsyncd.8.tmp
	chmod 0644 $(DESTDIR)$(MANDIR)/man8/dbsyncd.8.tmp
	mv -f $(DESTDIR)$(MANDIR)/man8/dbsyncd.8.tmp $(DESTDIR)$(MANDIR)/man8/dbsyncd.8
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1
	$(INSTALL) -m 0755 check/dbsync-check $(DESTDIR)$(BINDIR)/dbsync-check
	$(INSTALL) -m 0644 check/dbsync-check.1 $(DESTDIR)$(MANDIR)/man1/dbsync-check.1
	@if [ -e $(INSTALLED_DEFAULT) ]; then \
		echo "install: keeping the existing $(INSTALLED_DEFAULT) (the new default is daemon/dbsyncd.default)"; \
	else \
		echo "$(INSTALL) -m 0644 daemon/dbsyncd.default $(INSTALLED_DEFAULT)"; \
		$(INSTALL) -m 0644 daemon/dbsyncd.default $(INSTALLED_DEFAULT); \
	fi
	@if [ -z "$(DESTDIR)" ] && [ -d /run/systemd/system ]; then \
		echo "install: now run: systemctl daemon-reload && systemctl enable --now dbsyncd"; \
	fi

# A fresh clone: build (phpize, configure, make) the extension first.
INSTALL_PHP_DEPS := $(if $(wildcard php-ext/php-ext.mk),$(if $(shell command -v phpize 2>/dev/null),php-ext))

install-php: $(INSTALL_PHP_DEPS)
ifeq ($(PHP_CONFIG),)
	@echo "install: php-config not found, the PHP extension is not installed (apt-get install php-dev)"
else
	@if [ ! -f php-ext/Makefile ]; then \
		echo "install: the PHP extension is not configured (php-ext/Makefile missing; run make first), not installed"; \
	else \
		$(MAKE) -C php-ext install-modules INSTALL_ROOT=$(DESTDIR) && \
		if [ -f php-ext/dbsync.ini ] && [ -n "$(PHP_INI_DIR)" ]; then \
			$(INSTALL) -d $(DESTDIR)$(PHP_INI_DIR) && \
			$(INSTALL) -m 0644 php-ext/dbsync.ini $(DESTDIR)$(PHP_INI_DIR)/$(PHP_INI_NAME) && \
			echo "installed $(DESTDIR)$(PHP_INI_DIR)/$(PHP_INI_NAME)"; \
		else \
			echo "install: no php-ext/dbsync.ini or no PHP ini directory: add extension=dbsync.so to php.ini yourself"; \
		fi; \
	fi
endif

uninstall: uninstall-daemon uninstall-php

# The state directory (/var/lib/dbsyncd, made by systemd) is never removed:
# it holds the server key that PHP hosts pin (dbsync.server_pubkey).
uninstall-daemon:
	rm -f $(DESTDIR)$(SBINDIR)/dbsyncd $(DESTDIR)$(UNITDIR)/dbsyncd.service $(DESTDIR)$(MANDIR)/man8/dbsyncd.8
	rm -f $(DESTDIR)$(BINDIR)/dbsync-check $(DESTDIR)$(MANDIR)/man1/dbsync-check.1
	@echo "uninstall: keeping dbsyncd's state directory (/var/lib/dbsyncd: its TLS server key), if there is one"
	@if [ -e $(INSTALLED_DEFAULT) ]; then \
		if cmp -s daemon/dbsyncd.default $(INSTALLED_DEFAULT); then \
			echo "rm -f $(INSTALLED_DEFAULT)"; rm -f $(INSTALLED_DEFAULT); \
		else \
			echo "uninstall: keeping $(INSTALLED_DEFAULT): it was edited"; \
		fi; \
	fi

uninstall-php:
ifneq ($(PHP_CONFIG),)
	rm -f $(DESTDIR)$(PHP_EXT_DIR)/dbsync.so $(DESTDIR)$(PHP_INI_DIR)/$(PHP_INI_NAME)
endif
