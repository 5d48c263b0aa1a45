# Added to the phpize-generated Makefile.

# Used by the top-level "make clean": remove every phpize/configure artefact.
distclean-dbsync:
	-$(MAKE) distclean
	-phpize --clean
	rm -rf common-objs include build.out configure.out .dbsync-configured

.PHONY: distclean-dbsync
