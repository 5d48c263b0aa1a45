# php-ext/: the PHP extension, built with PHP's own phpize toolchain so that
# the standalone "phpize && ./configure --enable-dbsync && make" and the
# top-level build are one and the same. Included by the top-level Makefile.
#
#   make php-ext     php-ext/modules/dbsync.so (DEBUG=1: --enable-dbsync-debug,
#                    SANITIZE=1: ASan/UBSan; reconfigures when these change)
#   make test-php    the .phpt suite (tests/php/run.sh) against real servers
#   make demo-php    two redis-servers, two dbsyncd, php-ext/examples/demo.php

PHPIZE ?= $(shell command -v phpize 2>/dev/null)
PHP_EXT_SO := php-ext/modules/dbsync.so
PHP_EXT_CONFIGURE := --enable-dbsync $(if $(filter 1,$(DEBUG)),--enable-dbsync-debug)
ifeq ($(SANITIZE),1)
PHP_EXT_ENV := CXXFLAGS="-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined" \
	LDFLAGS="-fsanitize=address,undefined"
else
PHP_EXT_ENV :=
endif
PHP_EXT_STAMP := $(PHP_EXT_CONFIGURE) $(PHP_EXT_ENV)

.PHONY: php-ext test-php demo-php

ifneq ($(PHPIZE),)
all: php-ext
endif

# phpize's Makefile tracks its own dependencies (client/ and common/ headers included);
# we only re-run phpize/configure when the configuration or config.m4 changes.
php-ext:
	@test -n "$(PHPIZE)" || { echo "php-ext: phpize not found (apt-get install php-dev)"; exit 1; }
	@cd php-ext && if [ ! -f Makefile ] || [ config.m4 -nt configure ] || \
			[ "$$(cat .dbsync-configured 2>/dev/null)" != '$(PHP_EXT_STAMP)' ]; then \
		echo "php-ext: phpize && ./configure $(PHP_EXT_CONFIGURE)"; \
		{ { [ -f configure ] && [ ! config.m4 -nt configure ]; } || $(PHPIZE) >configure.out 2>&1; } && \
		$(PHP_EXT_ENV) ./configure $(PHP_EXT_CONFIGURE) >>configure.out 2>&1 || { cat configure.out; exit 1; }; \
		$(MAKE) --no-print-directory clean >/dev/null; \
		echo '$(PHP_EXT_STAMP)' >.dbsync-configured; \
	fi
	@$(MAKE) --no-print-directory -C php-ext >php-ext/build.out 2>&1 || { cat php-ext/build.out; exit 1; }
	@grep -E 'warning|error' php-ext/build.out || true
	@echo "php-ext: $(PHP_EXT_SO)"

test-php: php-ext daemon
	bash tests/php/run.sh

demo-php: php-ext daemon
	bash php-ext/examples/run-demo.sh

