# src/modules.mk: the modules of each folder of src/, for the Makefile and
# for tests/fuzz/Makefile, so that no object list is written twice.
# SRC is the path of src/ from the including Makefile.
#
# The folders are layers: common/ depends on nothing of ours, pack/ on
# common/, spool/ on pack/, and a program's own folder (capture/, apply/,
# ship/, verify/) on those below it; src/cmd/ holds the mains.

modules = $(patsubst %.c,%.o,$(wildcard $(SRC)/$(1)/*.c))

COMMON = $(call modules,common)
PACK = $(call modules,pack)
SPOOL = $(call modules,spool)
CAPTURE = $(call modules,capture)
APPLY = $(call modules,apply)
SHIP = $(call modules,ship)
VERIFY = $(call modules,verify)
